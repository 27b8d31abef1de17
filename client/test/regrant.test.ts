// Re-invitations on the SDK's side (docs/client.md "Restore after every grant lapsed"), against a
// fake server: which contacts a device asks, and which re-invitations it accepts by itself. The
// server checks the proof; the client must not trust the `renew` flag alone (a server could put it
// on any invitation), so only its own account document decides.
import { describe, expect, it } from 'vitest';
import {
  createGrant,
  createRevocation,
  emptyAccount,
  mergeAccount,
  patch,
  seal,
  toBase64,
  utf8ToBytes,
  type Identity,
  type SessionId,
} from '../../protocol/index.ts';
import { identityFromEntropy } from '../../protocol/index.ts';
import { MemoryStorage } from '../index.ts';
import { harness, hexId, peer } from './fakes.ts';

const DAY = 86_400_000;

/** A device whose document lists `accepted` (their grants to me lapsed 10 days ago) and `blocked`. */
async function device(accepted: Identity[], blocked: Identity[] = []) {
  const storage = new MemoryStorage();
  const h = await harness({ storage });
  const me = identityFromEntropy((await storage.getIdentity())!.entropy);
  const now = h.timers.now;
  const s = [now, 0, 'seed'] as const;
  let doc = emptyAccount();
  for (const p of [...accepted, ...blocked]) {
    const grant = createGrant(p, me.sessionId, now - 40 * DAY);
    const issued = { iat: now - 40 * DAY, exp: now - 10 * DAY };
    doc = mergeAccount(doc, patch.contact(p.sessionId, { state: { v: 'accepted', s }, grant, issued }));
  }
  for (const p of blocked) {
    const revocation = createRevocation(me, p.sessionId as SessionId, now - DAY);
    doc = mergeAccount(doc, patch.contact(p.sessionId, { block: { v: { blocked: true, revocation }, s: [now, 1, 'seed'] } }));
  }
  await storage.write([{ store: 'meta', key: 'account', put: { doc, counter: 0, version: 0, dirty: false } }]);
  return h;
}

function invitation(from: Identity, to: string, renew: boolean, offset: number) {
  const ct = toBase64(seal(from, to as SessionId, utf8ToBytes(JSON.stringify({ t: 'invite', displayName: 'X', message: '' }))));
  return {
    type: 'invitation',
    offset,
    id: hexId(offset),
    from: from.sessionId,
    to,
    ct,
    expiresAt: Date.now() + DAY,
    ...(renew && { renew: true }),
    ts: 1,
  };
}

describe('re-invitations (SDK)', () => {
  it('after connect, asks each accepted contact whose grant lapsed, with that grant as proof; not a blocked one, not twice', async () => {
    const bob = peer();
    const carol = peer();
    const mallory = peer();
    const h = await device([bob, carol], [mallory]);
    const { s } = await h.connect();
    await h.c.idle();
    const sent = s.frames('regrant');
    expect(sent.map((f) => f.to).sort()).toEqual([bob.sessionId, carol.sessionId].sort());
    for (const f of sent) expect(f.proof).toMatchObject({ from: f.to, to: h.me });
    // No renewal envelope: it could not be delivered (their grant lapsed).
    expect(s.frames('send')).toEqual([]);
    for (const f of sent) s.push({ type: 'ok', ref: f.id, op: 'regrant' });
    await h.c.idle();
    // Pending: the next connect does not ask again, and nothing shows as a request.
    const { s: s2 } = await h.reconnect({ resumed: true });
    await h.c.idle();
    expect(s2.frames('regrant')).toEqual([]);
    expect(h.events.invitation).toEqual([]);
  });

  it('accepts by itself only a renew invitation from an accepted contact; a renew flag on a stranger’s is an ordinary request', async () => {
    const bob = peer();
    const stranger = peer();
    const h = await device([bob]);
    const { s } = await h.connect();
    await h.c.idle();
    s.push(invitation(bob, h.me, true, 1));
    s.push(invitation(stranger, h.me, true, 2));
    await h.c.idle();
    const accepts = s.frames('invite_accept');
    expect(accepts.map((f) => f.id)).toEqual([hexId(1)]);
    expect(accepts[0]!.grant).toMatchObject({ from: h.me, to: bob.sessionId });
    // Bob's renewal is no request on screen; the stranger's is one, to accept or not.
    expect(h.events.invitation.map((i) => i.peer)).toEqual([stranger.sessionId]);
  });
});
