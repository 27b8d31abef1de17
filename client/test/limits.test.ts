// The SDK honours the server's retryAfterMs wherever a limit can refuse it: a refused auth waits
// before reconnecting, a refused presence subscription is asked again after the wait. (Refused
// sends: outbox.test.ts "RATE_LIMITED waits retryAfterMs"; end to end: limits.integration.test.ts.)
import { describe, expect, it } from 'vitest';
import { createAuthFrame, createGrant, type ClientFrames } from '../../protocol/index.ts';
import { Connection } from '../connection.ts';
import { MemoryStorage } from '../index.ts';
import { identityFromEntropy } from '../../protocol/index.ts';
import { createRuntime } from '../runtime.ts';
import { FakeSocket, FakeTimers, FakeWebSocket, fixedIdentity, harness, hello, peer, settle } from './fakes.ts';

describe('retryAfterMs', () => {
  it('AUTH_RATE_LIMITED: the next connection attempt waits retryAfterMs, not just the backoff', async () => {
    FakeSocket.reset();
    const timers = new FakeTimers();
    const me = fixedIdentity(3);
    const conn = new Connection({
      urls: ['ws://a/ws'],
      WebSocket: FakeWebSocket,
      runtime: createRuntime({ clock: timers.clock, setTimeout: timers.setTimeout, clearTimeout: timers.clearTimeout, random: () => 0.5 }),
      reconnect: { baseMs: 100, maxMs: 1000 },
      network: null,
      authenticate: async (h): Promise<ClientFrames['auth']> =>
        createAuthFrame({ identity: me, deviceId: 'cd'.repeat(16), nonce: h.nonce, epoch: h.epoch, url: 'ws://127.0.0.1:1/ws' }),
    });
    conn.connect();
    const s = FakeSocket.last;
    s.open();
    s.push(hello());
    await settle();
    s.push({ type: 'error', code: 'AUTH_RATE_LIMITED', message: 'too many', retryAfterMs: 7000 });
    s.drop(4428, 'AUTH_RATE_LIMITED');
    expect(conn.state).toBe('connecting'); // not a stop code: it will try again
    await timers.advance(6999);
    expect(FakeSocket.instances).toHaveLength(1);
    await timers.advance(1);
    expect(FakeSocket.instances).toHaveLength(2);
    // The wait applied once: a later plain failure backs off as usual (0.5 × 100 × 2^1).
    FakeSocket.last.drop(1006);
    await timers.advance(100);
    expect(FakeSocket.instances).toHaveLength(3);
    conn.disconnect();
  });

  it('a presence subscription refused with RATE_LIMITED is asked again after retryAfterMs', async () => {
    const storage = new MemoryStorage();
    const h0 = await harness({ storage });
    const mine = identityFromEntropy((await storage.getIdentity())!.entropy);
    const [bob, carol] = [peer(), peer()];
    for (const p of [bob, carol]) {
      await storage.putContact({
        sessionId: p.sessionId,
        state: 'accepted',
        heldGrant: createGrant(p, mine.sessionId, h0.timers.now),
        createdAt: 0,
        updatedAt: 0,
      });
    }
    const { s } = await h0.connect();
    expect(s.frames('presence_sub')).toHaveLength(1);
    s.push({ type: 'presence', id: bob.sessionId, online: true, ts: 1 });
    // Refused ids come back in one frame: ref "presence_sub", ids (issue 11, finding 12).
    s.push({
      type: 'error',
      code: 'RATE_LIMITED',
      message: 'presence is limited',
      ref: 'presence_sub',
      ids: [carol.sessionId],
      retryAfterMs: 4000,
    });
    await h0.timers.advance(3999);
    expect(s.frames('presence_sub')).toHaveLength(1);
    await h0.timers.advance(1);
    expect(s.frames('presence_sub')).toEqual([expect.anything(), { type: 'presence_sub', ids: [carol.sessionId] }]);
    s.push({ type: 'presence', id: carol.sessionId, online: true, ts: 2 });
    await h0.timers.advance(0);
    expect(h0.c.isOnline(carol.sessionId)).toBe(true);
    // A refusal a retry cannot fix (NO_GRANT) is not asked again.
    const dave = peer();
    h0.c.watchPresence([dave.sessionId]);
    s.push({ type: 'error', code: 'NO_GRANT', message: 'no grant', ref: 'presence_sub', ids: [dave.sessionId] });
    await h0.timers.advance(600_000);
    expect(s.frames('presence_sub').filter((f) => f.ids.includes(dave.sessionId))).toHaveLength(1);
  });

  it('a privacy change refused with RATE_LIMITED is sent again after retryAfterMs, with the setting as it is then', async () => {
    const h0 = await harness({ storage: new MemoryStorage() });
    const { s } = await h0.connect();
    await h0.c.setPrivacy({ sharePresence: false });
    await h0.c.setPrivacy({ sharePresence: true });
    expect(s.frames('privacy')).toEqual([
      { type: 'privacy', hidePresence: true },
      { type: 'privacy', hidePresence: false },
    ]);
    s.push({ type: 'error', code: 'RATE_LIMITED', message: 'privacy is limited', ref: 'privacy', retryAfterMs: 5000 });
    await h0.timers.advance(4999);
    expect(s.frames('privacy')).toHaveLength(2);
    await h0.timers.advance(1);
    expect(s.frames('privacy')).toEqual([expect.anything(), expect.anything(), { type: 'privacy', hidePresence: false }]);
  });
});
