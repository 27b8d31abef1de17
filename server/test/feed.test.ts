// StreamFeed's races, made deterministic: the store answers when the test says so. (The real store
// and real sockets run the same paths in mailbox.test.ts; here the interleavings are forced.)
import { describe, expect, it } from 'vitest';
import type { ServerContext } from '../src/context.ts';
import { StreamFeed, type FeedSocket } from '../src/transport/feed.ts';
import { Metrics } from '../src/http/metrics.ts';
import type { StoredEntry } from '../src/store/types.ts';
import { frameString } from '../src/store/types.ts';

function entry(offset: number): StoredEntry {
  return { offset, kind: 'envelope', id: String(offset).padStart(32, '0'), text: `{"offset":${offset}}`, ts: 0 };
}

function harness() {
  const reads: { after: number; resolve: (e: StoredEntry[]) => void }[] = [];
  const sent: number[] = [];
  const sock: FeedSocket & { buffered: number } = {
    open: true,
    sid: '05' + '11'.repeat(32),
    buffered: 0,
    bufferedAmount() {
      return this.buffered;
    },
    send(_type, text) {
      sent.push(JSON.parse(frameString(text)).offset as number);
      return true;
    },
    fail(err) {
      throw err;
    },
  };
  const ctx = {
    store: { readAfter: (_sid: string, after: number) => new Promise<StoredEntry[]>((resolve) => reads.push({ after, resolve })) },
    clock: () => 0,
    limits: { maxEntries: 10, maxBytes: 1e6, ttlMs: 1e6 },
    highWater: 1000,
    metrics: new Metrics(),
  } as unknown as ServerContext;
  const feed = new StreamFeed(sock, ctx);
  const tick = () => new Promise((r) => setImmediate(r));
  return { feed, sock, reads, sent, tick };
}

describe('StreamFeed', () => {
  it('reads again when an entry arrives live during the replay read, and never duplicates', async () => {
    const { feed, reads, sent, tick } = harness();
    feed.start(0);
    expect(reads.map((r) => r.after)).toEqual([0]);
    feed.deliver('envelope', 1, entry(1).text); // appended after the store took its snapshot
    expect(sent).toEqual([]);
    reads[0]!.resolve([]);
    await tick();
    expect(reads.map((r) => r.after)).toEqual([0, 0]);
    reads[1]!.resolve([entry(1)]);
    await tick();
    expect(sent).toEqual([1]);
    feed.deliver('envelope', 1, entry(1).text);
    feed.deliver('envelope', 2, entry(2).text);
    expect(sent).toEqual([1, 2]);
    expect(reads).toHaveLength(2);
  });

  it('skips what the resume offset covers', async () => {
    const { feed, reads, sent, tick } = harness();
    feed.start(5);
    expect(reads[0]!.after).toBe(5);
    reads[0]!.resolve([entry(6), entry(7)]);
    await tick();
    expect(sent).toEqual([6, 7]);
    feed.deliver('envelope', 4, entry(4).text);
    expect(sent).toEqual([6, 7]);
  });

  it('pauses over the high-water mark and catches up from the store on drain', async () => {
    const { feed, sock, reads, sent, tick } = harness();
    feed.start(0);
    reads[0]!.resolve([]);
    await tick();
    feed.deliver('envelope', 1, entry(1).text);
    sock.buffered = 5000;
    feed.deliver('envelope', 2, entry(2).text);
    feed.deliver('envelope', 3, entry(3).text);
    expect(sent).toEqual([1]);
    feed.drain(); // still congested: nothing happens
    expect(reads).toHaveLength(1);
    sock.buffered = 0;
    feed.drain();
    expect(reads.map((r) => r.after)).toEqual([0, 1]);
    reads[1]!.resolve([entry(2), entry(3)]);
    await tick();
    expect(sent).toEqual([1, 2, 3]);
    feed.deliver('envelope', 4, entry(4).text);
    expect(sent).toEqual([1, 2, 3, 4]);
  });
  it('catches up from the store when an entry arrives ahead of a missing one (another instance published it first)', async () => {
    const { feed, reads, sent, tick } = harness();
    feed.start(0);
    reads[0]!.resolve([]);
    await tick();
    feed.deliver('envelope', 1, entry(1).text);
    // 2 was appended by one instance, 3 by another; 3's message came first.
    feed.deliver('envelope', 3, entry(3).text);
    expect(sent).toEqual([1]);
    expect(reads.map((r) => r.after)).toEqual([0, 1]);
    feed.deliver('envelope', 2, entry(2).text); // arrives during the read: the read has it
    reads[1]!.resolve([entry(2), entry(3)]);
    await tick();
    // The live 2 made the feed dirty: one more read before going live, which finds nothing new.
    reads[2]?.resolve([]);
    await tick();
    expect(sent).toEqual([1, 2, 3]);
    feed.deliver('envelope', 4, entry(4).text);
    expect(sent).toEqual([1, 2, 3, 4]);
  });

  it('does not take an entry the socket caused itself for a gap, and reads again on resync', async () => {
    const { feed, reads, sent, tick } = harness();
    feed.start(0);
    reads[0]!.resolve([]);
    await tick();
    feed.skip(1); // this socket's own copy: not sent live
    feed.deliver('envelope', 2, entry(2).text);
    expect(sent).toEqual([2]);
    expect(reads).toHaveLength(1);
    // The bus was away for a while: whatever was appended meanwhile is read from the store.
    feed.resync();
    expect(reads.map((r) => r.after)).toEqual([0, 2]);
    reads[1]!.resolve([entry(3)]);
    await tick();
    expect(sent).toEqual([2, 3]);
  });
});
