// The sealed account blob: opens only with the same identity, any changed byte is refused, an old
// blob is recognisable as one (the counter), and 1,000 contacts fit in the default server limit.
import { describe, expect, it } from 'vitest';
import { emptyAccount, mergeAccount, patch, type AccountDoc } from '../account.ts';
import { AccountSealError, isRollback, openAccount, accountPadme as padme, sealAccount } from '../accountSeal.ts';
import { createGrant } from '../grant.ts';
import { createIdentity } from '../identity.ts';

const me = createIdentity();

function bigDoc(n: number): AccountDoc {
  let doc = emptyAccount();
  for (let i = 0; i < n; i++) {
    const peer = createIdentity();
    const grant = createGrant(peer, me.sessionId, 1_765_000_000_000 + i);
    doc = mergeAccount(
      doc,
      patch.contact(peer.sessionId, {
        state: { v: 'accepted', s: [1_765_000_000_000 + i, 0, 'ab12cd34ab12cd34ab12cd34ab12cd34'] },
        name: { v: `Contact number ${i}`, at: 1_765_000_000_000 + i },
        grant,
        issued: { iat: grant.iat, exp: grant.exp },
      }),
    );
  }
  return doc;
}

describe('sealed account blob', () => {
  it('round-trips the document and its counter', async () => {
    const doc = mergeAccount(patch.profileName('Ann', [5, 0, 'a']), patch.privacy('sharePresence', false, [6, 0, 'b']));
    const blob = await sealAccount(me, 7, doc);
    expect(await openAccount(me, blob)).toEqual({ counter: 7, doc });
  });

  it('is padded: an empty account and a small one have the same size', async () => {
    const small = await sealAccount(me, 1, patch.profileName('A much longer display name', [1, 0, 'a']));
    const empty = await sealAccount(me, 1, emptyAccount());
    expect(small.length).toBe(empty.length);
    expect(padme(1025)).toBeGreaterThanOrEqual(1025);
    for (const n of [2000, 50_000, 200_001]) {
      expect(padme(n)).toBeGreaterThanOrEqual(n);
      expect(padme(n) / n).toBeLessThan(1.13);
    }
  });

  it('does not open with another identity', async () => {
    const blob = await sealAccount(me, 1, emptyAccount());
    await expect(openAccount(createIdentity(), blob)).rejects.toMatchObject({ reason: 'decrypt' });
  });

  it('refuses any altered byte, a truncated blob and an unknown version', async () => {
    const blob = await sealAccount(me, 1, patch.profileName('Ann', [1, 0, 'a']));
    for (const i of [0, 1, 30, blob.length - 1]) {
      const bad = Uint8Array.from(blob);
      bad[i]! ^= 1;
      const err = await openAccount(me, bad).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AccountSealError);
      expect((err as AccountSealError).reason).toBe(i === 0 ? 'version' : 'decrypt');
    }
    await expect(openAccount(me, blob.subarray(0, 40))).rejects.toMatchObject({ reason: 'truncated' });
  });

  it('tells a replayed older blob from the one a device has merged', async () => {
    const old = await openAccount(me, await sealAccount(me, 3, patch.profileName('Old', [1, 0, 'a'])));
    const cur = await openAccount(me, await sealAccount(me, 4, patch.profileName('New', [2, 0, 'a'])));
    expect(isRollback(old.counter, cur.counter)).toBe(true);
    expect(isRollback(cur.counter, cur.counter)).toBe(false);
  });

  it('fits 1,000 contacts with names and grants in 256 KiB', async () => {
    const blob = await sealAccount(me, 1, bigDoc(1000));
    console.log(`account blob, 1,000 contacts: ${blob.length} bytes`);
    expect(blob.length).toBeLessThan(256 * 1024);
    expect(Object.keys((await openAccount(me, blob)).doc.contacts)).toHaveLength(1000);
  }, 30_000);
});
