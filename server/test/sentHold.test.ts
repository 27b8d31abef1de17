// SENT_HOLD: a `sent` to a sender whose recipient has a device connected here waits for that
// device's `delivered`, so the two leave in one write (docs/performance.md "Sent and delivered in
// one write"). What must hold besides: it never waits past the hold, nothing waits for a recipient
// with no device here, order is kept, and a sender that goes away mid-hold loses nothing.
import { describe, expect, it } from 'vitest';
import { metric } from './helpers/push.ts';
import { grant, newIdentity, type Frame, type RawClient } from './helpers/rawClient.ts';
import { as, start } from './helpers/server.ts';

/** For each frame a client receives from now on, which TCP read of its socket brought it. */
function readsOf(c: RawClient): Map<Frame, number> {
  const at = new Map<Frame, number>();
  let reads = 0;
  // ws parses a read's frames inside its own 'data' listener, which runs before this one: every
  // frame of read k is seen while `reads` is still k.
  (c.ws as unknown as { _socket: NodeJS.EventEmitter })._socket.on('data', () => reads++);
  c.ws.on('message', () => at.set(c.received.at(-1)!, reads));
  return at;
}

async function pair(config: Parameters<typeof start>[0]) {
  const srv = await start(config);
  const alice = newIdentity();
  const bob = newIdentity();
  const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
  return { srv, alice, bob, a };
}

describe('SENT_HOLD', () => {
  it('writes `sent` with the `delivered` of a recipient device connected here, in one write and in that order', async () => {
    // A long hold, so a loaded machine cannot make the ack miss it.
    const { srv, alice, bob, a } = await pair({ sentHoldMs: 1000 });
    const b = await as(srv.url, bob, { grants: [grant(alice, bob)] });
    const reads = readsOf(a);
    const id = a.sendEnvelope(bob.sessionId);
    const env = await b.next('envelope');
    b.send({ type: 'ack', offset: env.offset });
    const delivered = await a.next('delivered');
    const sent = a.received.find((f) => f.type === 'sent' && f.id === id)!;
    expect(sent).toBeDefined();
    expect(delivered.id).toBe(id);
    expect(a.received.indexOf(sent)).toBe(a.received.indexOf(delivered) - 1);
    expect(reads.get(sent)).toBe(reads.get(delivered));
    expect(await metric(srv.httpUrl, 'frames_held_total{outcome="joined"}')).toBe(1);
  });

  it('sends `sent` alone at the deadline when the recipient device never acknowledges', async () => {
    const { srv, alice, bob, a } = await pair({ sentHoldMs: 20 });
    const b = await as(srv.url, bob, { grants: [grant(alice, bob)] });
    const id = a.sendEnvelope(bob.sessionId);
    await b.next('envelope');
    expect((await a.next('sent')).id).toBe(id);
    expect(a.queued('delivered')).toEqual([]);
    expect(await metric(srv.httpUrl, 'frames_held_total{outcome="alone"}')).toBe(1);
  });

  it('holds nothing for a recipient with no device here, or with SENT_HOLD=0', async () => {
    const { srv, bob, a } = await pair({ sentHoldMs: 1000 });
    a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    const off = await pair({ sentHoldMs: 0 });
    const b = await as(off.srv.url, off.bob, { grants: [grant(off.alice, off.bob)] });
    off.a.sendEnvelope(off.bob.sessionId);
    await b.next('envelope');
    await off.a.next('sent');
    for (const s of [srv, off.srv]) {
      expect(await metric(s.httpUrl, 'frames_held_total{outcome="joined"}')).toBe(0);
      expect(await metric(s.httpUrl, 'frames_held_total{outcome="alone"}')).toBe(0);
    }
  });

  it('lets any later frame to the sender carry what it holds, ahead of it', async () => {
    const { srv, alice, bob, a } = await pair({ sentHoldMs: 1000 });
    const b = await as(srv.url, bob, { grants: [grant(alice, bob)] });
    const id = a.sendEnvelope(bob.sessionId);
    await b.next('envelope');
    // The pong is queued after the held `sent`: it may not overtake it.
    await a.barrier();
    const types = a.received.slice(-2).map((f) => (f.type === 'sent' ? `sent:${f.id}` : f.type));
    expect(types).toEqual([`sent:${id}`, 'pong']);
  });

  it('loses nothing when the sender closes mid-hold: the retry is answered and `delivered` waits in its stream', async () => {
    const { srv, alice, bob, a } = await pair({ sentHoldMs: 1000 });
    const b = await as(srv.url, bob, { grants: [grant(alice, bob)] });
    const id = a.sendEnvelope(bob.sessionId);
    const env = await b.next('envelope');
    a.ws.terminate();
    b.send({ type: 'ack', offset: env.offset });
    await b.barrier();
    const again = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    // The outbox sends what it never saw answered again, with the same id.
    again.sendEnvelope(bob.sessionId, undefined, { id });
    const answers = [await again.next('sent'), await again.next('delivered')];
    expect(answers.map((f) => f.id)).toEqual([id, id]);
    // The stream no longer held it once acknowledged, so the retry may reach the recipient again:
    // under the same id, which the SDK applies once (client/messages.ts), as after any lost `sent`.
    await b.barrier();
    expect(b.queued('envelope').every((f) => f.id === id)).toBe(true);
  });
});
