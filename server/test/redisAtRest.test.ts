// Redis at rest (issue 11, finding 10): after a scenario that touches every kind of key the relay
// writes (mailboxes, delivered notices, invitations, blocks, presence, rate-limit buckets, pub/sub
// channels), no key or channel name under the test's prefix carries a Session ID, the key inside
// it, or the client's address. Values the server must deliver (an invitation's `from`) may.
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64, type Identity } from '../../protocol/index.ts';
import { REDIS_URL, redisCommand, scaleOutGate, TEST_ID_SECRET, testPrefix, wipePrefix } from './helpers/cluster.ts';
import { connectAs, grant, invitationTo, newIdentity, revocation, type RawClient } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';

const skip = await scaleOutGate('the Redis-at-rest test');
const prefixes: string[] = [];
afterAll(async () => {
  for (const p of prefixes) await wipePrefix(p);
});

const ADDRESS = '203.0.113.77';

/** Every form in which an identity could leak into a name: the Session ID, its 64 hex, its Ed25519 key. */
function forms(who: Identity): string[] {
  const sid = who.sessionId;
  return [sid, sid.slice(2), sid.slice(2, 34), Buffer.from(who.edPublicKey).toString('hex'), toBase64(who.edPublicKey)];
}

async function names(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redisCommand<[string, string[]]>(['SCAN', cursor, 'MATCH', prefix + '*', 'COUNT', '1000']);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

async function channels(prefix: string): Promise<string[]> {
  const classic = await redisCommand<string[]>(['PUBSUB', 'CHANNELS', prefix + '*']);
  const sharded = await redisCommand<string[]>(['PUBSUB', 'SHARDCHANNELS', prefix + '*']).catch(() => [] as string[]);
  return [...classic, ...sharded];
}

describe.skipIf(skip !== undefined)('Redis at rest', () => {
  it('names no Session ID and no client address in any key or channel', async () => {
    const prefix = testPrefix();
    prefixes.push(prefix);
    const srv = await start({ redisUrl: REDIS_URL, redisKeyPrefix: prefix, redisIdSecret: TEST_ID_SECRET, trustProxy: 1 });
    const headers = { 'X-Forwarded-For': ADDRESS };
    const [alice, bob, carol, dave] = [newIdentity(), newIdentity(), newIdentity(), newIdentity()];
    const now = Date.now();
    const a = track(await connectAs(srv.url, alice, { grants: [grant(bob, alice, now)], headers }));
    // Bob offline: Alice's messages wait in his mailbox.
    for (let i = 0; i < 3; i++) {
      const id = a.sendEnvelope(bob.sessionId);
      await a.next((f) => f.type === 'sent' && f.id === id);
    }
    // Carol, a stranger, invites Bob; Alice blocks Dave.
    const c = track(await connectAs(srv.url, carol, { headers }));
    const inv = invitationTo(carol, bob, now);
    c.send(inv);
    await c.next((f) => f.type === 'ok' && f.ref === inv.id);
    a.send({ type: 'revoke', revocation: revocation(alice, dave, now) });
    await a.next((f) => f.type === 'ok' && f.ref === 'revoke');
    // Bob comes online, watches Alice, hides, reads and acknowledges (Alice gets delivered notices).
    const b: RawClient = track(await connectAs(srv.url, bob, { grants: [grant(alice, bob, now)], headers }));
    b.send({ type: 'presence_sub', ids: [alice.sessionId] });
    await b.next('presence');
    b.send({ type: 'privacy', hidePresence: true });
    await b.next((f) => f.type === 'ok' && f.ref === 'privacy');
    const last = await b.next(
      (f) => f.type === 'envelope' && f.offset !== undefined && b.received.filter((x) => x.type === 'envelope').length === 3,
    );
    b.send({ type: 'ack', offset: last.offset });
    await a.next('delivered');

    const everything = [...(await names(prefix)), ...(await channels(prefix))];
    // The scenario really wrote what it meant to: streams, invitations, revocations, presence, buckets.
    for (const kind of ['s:', 'i:', 'ip:', 'ipp:', 'ia:', 'iy:', 'r:', 'rc:', 'fs:', 'pr:', 'b:'])
      expect(
        everything.some((k) => k.startsWith(prefix + kind)),
        kind,
      ).toBe(true);
    expect(everything.some((k) => k.startsWith(prefix + 'u:'))).toBe(true);
    const secrets = [...[alice, bob, carol, dave].flatMap(forms), ADDRESS];
    const leaks = everything.filter((name) => secrets.some((s) => name.toLowerCase().includes(s.toLowerCase())));
    expect(leaks).toEqual([]);
  });
});
