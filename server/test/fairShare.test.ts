// Issue 11, finding 8: what is held for one person is shared fairly among those who may write to
// it. One sender cannot take more than MAILBOX_SENDER_SHARE of a recipient's mailbox (entries or
// bytes); one client address, or a burst of Session IDs first seen recently, cannot take all of a
// recipient's pending-invitation slots. Against the memory store and real Redis.
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../protocol/index.ts';
import { connectAs, grant, invitationTo, newIdentity, randomCt, type RawClient } from './helpers/rawClient.ts';
import { expectHonestPairWorks, fakeClock, start, track } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const stores = await storesUnderTest('the Redis runs of the fair-share tests');

async function from(url: string, address: string, who: Identity, opts: Parameters<typeof connectAs>[2] = {}): Promise<RawClient> {
  return track(await connectAs(url, who, { ...opts, headers: { 'X-Forwarded-For': address } }));
}

/** Sends an envelope and returns its answer: `sent` or the error. */
async function send(c: RawClient, to: string, ct = randomCt()): Promise<Record<string, unknown>> {
  const id = c.sendEnvelope(to, ct);
  return c.next((f) => (f.type === 'sent' && f.id === id) || (f.type === 'error' && f.ref === id));
}

async function invite(c: RawClient, inviter: Identity, to: Identity, now: number): Promise<Record<string, unknown>> {
  const inv = invitationTo(inviter, to, now);
  c.send(inv);
  return c.next((f) => f.ref === inv.id);
}

describe.each(stores)('mailbox share per sender ($name store)', ({ config }) => {
  it('one contact fills at most MAILBOX_SENDER_SHARE of an offline mailbox; others still get in', async () => {
    // 8 entries, 25 %: two per sender.
    const srv = await start({ ...config(), trustProxy: 1, mailboxMaxEntries: 8, mailboxSenderShare: 25 });
    const [alice, carol, bob] = [newIdentity(), newIdentity(), newIdentity()];
    const a = await from(srv.url, '198.51.100.1', alice, { grants: [grant(bob, alice)] });
    const c = await from(srv.url, '198.51.100.2', carol, { grants: [grant(bob, carol)] });
    expect(await send(a, bob.sessionId)).toMatchObject({ type: 'sent' });
    expect(await send(a, bob.sessionId)).toMatchObject({ type: 'sent' });
    const refused = await send(a, bob.sessionId);
    expect(refused).toMatchObject({ type: 'error', code: 'MAILBOX_FULL' });
    expect(refused.message).toMatch(/share/);
    // The rest of the mailbox stays open to others.
    expect(await send(c, bob.sessionId)).toMatchObject({ type: 'sent' });
    expect(await send(c, bob.sessionId)).toMatchObject({ type: 'sent' });
    // Bob reads and acknowledges: Alice's share is free again.
    const b = await from(srv.url, '198.51.100.3', bob, { grants: [grant(alice, bob), grant(carol, bob)] });
    const envelopes = [];
    for (let i = 0; i < 4; i++) envelopes.push(await b.next('envelope'));
    b.send({ type: 'ack', offset: envelopes[3]!.offset });
    await b.barrier();
    await b.close();
    expect(await send(a, bob.sessionId)).toMatchObject({ type: 'sent' });
    await expectHonestPairWorks(srv);
  });

  it("the share counts bytes too, and copies to one's own Session ID are not limited by it", async () => {
    const srv = await start({ ...config(), trustProxy: 1, mailboxMaxBytes: 8192, mailboxSenderShare: 25 });
    const [alice, bob] = [newIdentity(), newIdentity()];
    const a = await from(srv.url, '198.51.100.4', alice, { grants: [grant(bob, alice)] });
    // 1500 bytes of ciphertext: one fits in the 2048-byte share, two do not.
    expect(await send(a, bob.sessionId, randomCt(1100))).toMatchObject({ type: 'sent' });
    expect(await send(a, bob.sessionId, randomCt(1100))).toMatchObject({ type: 'error', code: 'MAILBOX_FULL' });
    for (let i = 0; i < 3; i++) expect(await send(a, alice.sessionId, randomCt(1100))).toMatchObject({ type: 'sent' });
  });
});

describe.each(stores)('pending invitation slots ($name store)', ({ config }) => {
  it("one address holds at most MAX_PENDING_INVITES_PER_ADDRESS of a recipient's slots", async () => {
    const srv = await start({
      ...config(),
      trustProxy: 1,
      maxPendingInvitesPerAddress: 3,
      maxPendingInvitesFromNew: 50,
      inviteRateIpPerHour: 0,
    });
    const bob = newIdentity();
    const now = Date.now();
    for (let i = 0; i < 3; i++) {
      const who = newIdentity();
      expect(await invite(await from(srv.url, '203.0.113.5', who), who, bob, now)).toMatchObject({ type: 'ok' });
    }
    const fourth = newIdentity();
    expect(await invite(await from(srv.url, '203.0.113.5', fourth), fourth, bob, now)).toMatchObject({
      type: 'error',
      code: 'INVITE_LIMIT',
    });
    // Another recipient, or another address, is not affected.
    expect(await invite(await from(srv.url, '203.0.113.5', fourth), fourth, newIdentity(), now)).toMatchObject({ type: 'ok' });
    const elsewhere = newIdentity();
    expect(await invite(await from(srv.url, '203.0.113.6', elsewhere), elsewhere, bob, now)).toMatchObject({ type: 'ok' });
  });

  it('Session IDs first seen within NEW_IDENTITY_AGE share MAX_PENDING_INVITES_FROM_NEW slots; an older one still gets in', async () => {
    const clock = fakeClock();
    const srv = await start(
      {
        ...config(),
        trustProxy: 1,
        maxPendingInvitesFromNew: 3,
        maxPendingInvitesPerAddress: 50,
        inviteRateIpPerHour: 0,
        newIdentityAgeMs: 3_600_000,
      },
      { clock: clock.now },
    );
    const bob = newIdentity();
    const old = newIdentity();
    await (await from(srv.url, '203.0.113.20', old)).close();
    clock.advance(2 * 3_600_000);
    for (let i = 0; i < 3; i++) {
      const fresh = newIdentity();
      expect(await invite(await from(srv.url, `203.0.113.${30 + i}`, fresh), fresh, bob, clock.now())).toMatchObject({ type: 'ok' });
    }
    const burst = newIdentity();
    expect(await invite(await from(srv.url, '203.0.113.40', burst), burst, bob, clock.now())).toMatchObject({
      type: 'error',
      code: 'INVITE_LIMIT',
    });
    expect(await invite(await from(srv.url, '203.0.113.20', old), old, bob, clock.now())).toMatchObject({ type: 'ok' });
    // Bob still sees every invitation that got in.
    const b = await from(srv.url, '203.0.113.50', bob);
    for (let i = 0; i < 4; i++) await b.next('invitation');
  });
});
