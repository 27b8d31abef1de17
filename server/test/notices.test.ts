// Delivered notices get their own room in the sender's stream (context.ts noticeLimits): a sender
// that is slow to acknowledge must still learn that its messages arrived, well past the point
// where its envelopes would be refused, and a sender that never acknowledges is still bounded.
import { describe, expect, it } from 'vitest';
import { connectedPair } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';

describe('delivered notices in a sender that does not acknowledge', () => {
  it('are kept up to ten times the entry limit, then dropped rather than growing the stream', async () => {
    const maxEntries = 2;
    const srv = await start({ mailboxMaxEntries: maxEntries });
    const { a, b, bob } = await connectedPair(srv.url);
    track(a);
    track(b);
    const ids: string[] = [];
    for (let i = 0; i < maxEntries * 10 + 1; i++) {
      ids.push(a.sendEnvelope(bob.sessionId));
      await a.next('sent');
      const env = await b.next('envelope');
      b.send({ type: 'ack', offset: env.offset as number });
    }
    // Alice never acks: every notice stays in her stream. The old cap (2× entries) kept 4.
    const notices = [];
    for (let i = 0; i < maxEntries * 10; i++) notices.push(await a.next('delivered'));
    expect(notices.map((n) => n.id)).toEqual(ids.slice(0, maxEntries * 10));
    await b.barrier();
    await a.barrier();
    expect(a.queued('delivered')).toEqual([]);
  });
});
