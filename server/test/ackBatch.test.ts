// One cumulative ack that makes several envelopes delivered: their notices are appended together
// (handlers/messaging.ts handleAck) and must still reach each sender complete and in ack order.
import { describe, expect, it } from 'vitest';
import { grant, newIdentity, RawClient, type Frame } from './helpers/rawClient.ts';
import { as, start } from './helpers/server.ts';

describe('a cumulative ack over several senders', () => {
  it('tells each sender about each of its envelopes, once, in the order they were acked', async () => {
    const srv = await start();
    const alice = newIdentity();
    const carol = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const c = await as(srv.url, carol, { grants: [grant(bob, carol)] });
    const sent: { from: RawClient; id: string }[] = [];
    for (let i = 0; i < 6; i++) {
      const from = i % 3 === 1 ? c : a;
      sent.push({ from, id: from.sendEnvelope(bob.sessionId) });
      await from.next('sent');
    }
    const b = await as(srv.url, bob);
    const envelopes: Frame[] = [];
    for (let i = 0; i < sent.length; i++) envelopes.push(await b.next('envelope'));
    expect(envelopes.map((f) => f.id)).toEqual(sent.map((s) => s.id));

    b.send({ type: 'ack', offset: envelopes.at(-1)!.offset as number });
    for (const [client, own] of [
      [a, sent.filter((s) => s.from === a)],
      [c, sent.filter((s) => s.from === c)],
    ] as const) {
      const notices: Frame[] = [];
      for (let i = 0; i < own.length; i++) notices.push(await client.next('delivered'));
      expect(notices.map((f) => f.id)).toEqual(own.map((s) => s.id));
      expect(notices.map((f) => f.offset)).toEqual(own.map((_, i) => i + 1));
      expect(notices.every((f) => f.to === bob.sessionId)).toBe(true);
    }

    // Acking the same offset again reports nothing twice.
    b.send({ type: 'ack', offset: envelopes.at(-1)!.offset as number });
    await b.barrier();
    await a.barrier();
    await c.barrier();
    expect(a.queued('delivered')).toEqual([]);
    expect(c.queued('delivered')).toEqual([]);
  });
});
