// Re-invitations (regrant): a phrase restored after every grant between two contacts lapsed asks
// each former contact for fresh grants, proving the contact with the invitee's own earlier grant.
// Only that proof opens the way (the adversary cases below), a block still swallows it, it has its
// own rate bucket, and until the invitee accepts nobody holds anything usable. Memory and Redis.
import { describe, expect, it } from 'vitest';
import { randomId, type Grant, type Identity } from '../../protocol/index.ts';
import { connectAs, grant, newIdentity, randomCt, revocation, type Frame, type RawClient } from './helpers/rawClient.ts';
import { fakeClock, start, track } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const stores = await storesUnderTest('the Redis runs of the regrant tests');

const DAY = 86_400_000;
const GRANT_LIFE = 30 * DAY;

async function on(url: string, who: Identity, opts: Parameters<typeof connectAs>[2] = {}): Promise<RawClient> {
  return track(await connectAs(url, who, opts));
}

function regrant(c: RawClient, from: Identity, to: Identity, proof: Grant, now: number, id = randomId()): string {
  c.send({ type: 'regrant', id, to: to.sessionId, ct: randomCt(), grant: grant(from, to, now), proof });
  return id;
}

const ok =
  (ref: string, op = 'regrant') =>
  (f: Frame) =>
    f.type === 'ok' && f.ref === ref && f.op === op;

describe.each(stores)('regrant ($name store)', ({ config }) => {
  it('a former contact whose grants all lapsed gets fresh ones both ways, and nothing before the accept', async () => {
    const clock = fakeClock();
    const srv = await start(config(), { clock: clock.now });
    const alice = newIdentity();
    const bob = newIdentity();
    // Bob's grant to Alice, issued 60 days ago: lapsed a month ago.
    const proof = grant(bob, alice, clock.now() - 60 * DAY, GRANT_LIFE);
    const a = await on(srv.url, alice, { grants: [proof] });
    const b = await on(srv.url, bob, { grants: [grant(alice, bob, clock.now() - 60 * DAY, GRANT_LIFE)] });
    const id = regrant(a, alice, bob, proof, clock.now());
    await a.next(ok(id));
    const inv = await b.next('invitation');
    expect(inv).toMatchObject({ id, from: alice.sessionId, to: bob.sessionId, renew: true });
    // A modified client presents whatever it has: the invitation carries no grant, the proof is
    // still lapsed, and neither side can send or watch before the accept.
    expect(inv.grant).toBeUndefined();
    a.send({ type: 'grants', grants: [proof] });
    expect((await a.errorFor(bob.sessionId)).code).toBe('GRANT_EXPIRED');
    expect((await a.errorFor(a.sendEnvelope(bob.sessionId))).code).toBe('GRANT_EXPIRED');
    expect((await b.errorFor(b.sendEnvelope(alice.sessionId))).code).toBe('GRANT_EXPIRED');
    b.send({ type: 'presence_sub', ids: [alice.sessionId] });
    expect(await b.next('error')).toMatchObject({ code: 'GRANT_EXPIRED', ref: 'presence_sub' });

    b.send({ type: 'invite_accept', id, grant: grant(bob, alice, clock.now()) });
    await b.next(ok(id, 'invite_accept'));
    const m1 = a.sendEnvelope(bob.sessionId);
    expect((await b.next((f) => f.type === 'envelope' && f.id === m1)).from).toBe(alice.sessionId);
    const m2 = b.sendEnvelope(alice.sessionId);
    expect((await a.next((f) => f.type === 'envelope' && f.id === m2)).from).toBe(bob.sessionId);

    // A replay of the same request creates nothing: the id is taken.
    a.send({ type: 'regrant', id, to: bob.sessionId, ct: randomCt(), grant: grant(alice, bob, clock.now()), proof });
    expect((await a.errorFor(id)).code).toBe('INVITE_DUPLICATE');
  });

  it('refuses a stranger without proof, a proof for another pair, a proof not signed by the invitee, a forgery, one too old', async () => {
    const clock = fakeClock();
    const srv = await start(config(), { clock: clock.now });
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const mallory = newIdentity();
    const m = await on(srv.url, mallory);
    const b = await on(srv.url, bob);
    const now = clock.now();
    const cases: [string, Grant, string][] = [
      // Mallory signs a "proof" herself.
      ['self-signed', grant(mallory, bob, now - 40 * DAY, GRANT_LIFE), 'GRANT_INVALID'],
      // Bob's real grant, but to Alice: Mallory cannot use it.
      ['another pair', grant(bob, alice, now - 40 * DAY, GRANT_LIFE), 'GRANT_INVALID'],
      // Carol really granted Mallory, but Carol is not the invitee.
      ['granter is not the invitee', grant(carol, mallory, now - 40 * DAY, GRANT_LIFE), 'GRANT_INVALID'],
      ['forged', { ...grant(bob, mallory, now - 40 * DAY, GRANT_LIFE), exp: now + DAY }, 'GRANT_INVALID'],
      // Authentic, but lapsed longer ago than an account document lives.
      ['older than ACCOUNT_TTL', grant(bob, mallory, now - srv.config.accountTtlMs - 2 * GRANT_LIFE, GRANT_LIFE), 'GRANT_EXPIRED'],
    ];
    for (const [what, proof, code] of cases) {
      const id = regrant(m, mallory, bob, proof, now);
      expect({ what, code: (await m.errorFor(id)).code }).toEqual({ what, code });
    }
    // No proof at all is not a regrant.
    const bare = randomId();
    m.send({ type: 'regrant', id: bare, to: bob.sessionId, ct: randomCt(), grant: grant(mallory, bob, now) });
    expect((await m.errorFor(bare)).code).toBe('BAD_FRAME');
    await b.barrier();
    expect(b.queued('invitation')).toEqual([]);
  });

  it('a regrant from someone the invitee blocked is answered as usual and goes nowhere', async () => {
    const clock = fakeClock();
    const srv = await start(config(), { clock: clock.now });
    const alice = newIdentity();
    const bob = newIdentity();
    const proof = grant(bob, alice, clock.now() - 40 * DAY, GRANT_LIFE);
    const b = await on(srv.url, bob, { revocations: [revocation(bob, alice, clock.now() - DAY)] });
    const a = await on(srv.url, alice);
    const id = regrant(a, alice, bob, proof, clock.now());
    await a.next(ok(id));
    await b.barrier();
    expect(b.queued('invitation')).toEqual([]);
    // Not stored either: a later connect of Bob's brings nothing, and accepting it is impossible.
    const b2 = await on(srv.url, bob);
    b2.send({ type: 'invite_accept', id, grant: grant(bob, alice, clock.now()) });
    expect((await b2.errorFor(id)).code).toBe('INVITE_NOT_FOUND');
    expect(b2.queued('invitation')).toEqual([]);
  });

  it('has its own bucket (REGRANT_RATE), apart from INVITE_RATE', async () => {
    const clock = fakeClock();
    const srv = await start({ ...config(), inviteRatePerHour: 1, regrantRatePerHour: 3 }, { clock: clock.now });
    const alice = newIdentity();
    const a = await on(srv.url, alice);
    const now = clock.now();
    const stranger = newIdentity();
    const inv = randomId();
    a.send({ type: 'invite', id: inv, to: stranger.sessionId, ct: randomCt(), grant: grant(alice, stranger, now) });
    await a.next(ok(inv, 'invite'));
    // INVITE_RATE is spent; three former contacts can still be asked, the fourth waits.
    const answers: Frame[] = [];
    for (let i = 0; i < 4; i++) {
      const contact = newIdentity();
      const id = regrant(a, alice, contact, grant(contact, alice, now - 40 * DAY, GRANT_LIFE), now);
      answers.push(await a.next((f) => f.ref === id));
    }
    expect(answers.slice(0, 3).map((f) => f.type)).toEqual(['ok', 'ok', 'ok']);
    expect(answers[3]).toMatchObject({ type: 'error', code: 'RATE_LIMITED' });
    expect(answers[3]!.retryAfterMs).toBeGreaterThan(0);
    expect(answers[3]!.message).toMatch(/regrant/);
  });
});
