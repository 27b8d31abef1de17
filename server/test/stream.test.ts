// One stream keeps a single device without a map and holds no entry structures while empty: the
// forms it switches between must not show in what it holds, acks or forgets.
import { describe, expect, it } from 'vitest';
import { Stream, type Totals } from '../src/store/memory/_stream.ts';
import type { NewEntry } from '../src/store/types.ts';

const TTL = 1000;
const env = (id: string, from = 'other'): NewEntry => ({ kind: 'envelope', id, from, frame: `{"type":"envelope","id":"${id}"}` });

function fresh(head = 0): { s: Stream; totals: Totals } {
  const totals: Totals = { streams: 0, entries: 0, bytes: 0 };
  return { s: new Stream(head, totals), totals };
}

function push(s: Stream, e: NewEntry, now: number): number {
  return s.push(e, s.nextText(e), now).offset;
}

describe('Stream', () => {
  it('holds frames as bytes, and gives those held since the cutoff bytes of their own', () => {
    const { s } = fresh();
    s.touch('d', 0);
    for (let i = 0; i < 40; i++) push(s, env(`m${i}`), i < 30 ? 100 : 200);
    const texts = () => s.after(0, 100).map((e) => e.text as Buffer);
    const pooled = (b: Buffer) => b.byteLength !== b.buffer.byteLength;
    expect(texts().every(pooled)).toBe(true);
    const before = texts().map((b) => b.toString());
    s.compact(100);
    expect(texts().map(pooled)).toEqual([...Array(30).fill(false), ...Array(10).fill(true)]);
    expect(texts().map((b) => b.toString())).toEqual(before);
    // The held part shrinks from the front (32 acked: its array is sliced), the rest still compacts.
    s.ack('sid', 'd', 32, 300);
    s.maintain(300, TTL);
    s.compact(200);
    expect(texts().every((b) => !pooled(b))).toBe(true);
    expect(texts().map((b) => b.toString())).toEqual(before.slice(32));
    expect(JSON.parse(texts()[0]!.toString()).offset).toBe(33);
  });

  it('answers ids and sender shares the same by scan and by index, across the switch and back down', () => {
    const { s } = fresh();
    s.touch('d', 0);
    const use = (from: string) => ({ ...s.senderUse(from) });
    const frameLen = (id: string) => s.nextText(env(id)).length;
    let aBytes = 0;
    for (let i = 0; i < 40; i++) {
      const from = i % 3 === 0 ? 'b' : 'a';
      if (from === 'a') aBytes += frameLen(`m${i}`);
      push(s, env(`m${i}`, from), 0);
      // Below and above the index threshold alike.
      expect(s.envelope(`m${i}`)?.offset).toBe(i + 1);
      expect(s.envelope(`m${i + 1}`)).toBeUndefined();
      expect(s.idCount).toBe(i + 1);
    }
    expect(use('a')).toEqual({ entries: 26, bytes: aBytes });
    expect(use('b').entries).toBe(14);
    expect(use('nobody')).toEqual({ entries: 0, bytes: 0 });
    // Acked down to a few: the index keeps answering for what is left, and nothing for what went.
    s.ack('sid', 'd', 37, 0);
    s.maintain(0, TTL);
    expect([s.length, s.idCount]).toEqual([3, 3]);
    expect(s.envelope('m0')).toBeUndefined();
    expect(s.envelope('m38')?.offset).toBe(39);
    expect(use('a').entries + use('b').entries).toBe(3);
    // Emptied: the next message starts unindexed again, with the right answers.
    s.ack('sid', 'd', 40, 0);
    s.maintain(0, TTL);
    expect(s.length).toBe(0);
    push(s, env('again', 'a'), 0);
    expect([s.envelope('again')?.offset, s.idCount, use('a').entries]).toEqual([41, 1, 1]);
  });

  it('holds for each of several devices until all of them acked, then for the one left', () => {
    const { s } = fresh();
    for (const d of ['d1', 'd2', 'd3']) s.touch(d, 0);
    s.touch('d2', 100);
    expect(s.deviceCount).toBe(3);
    for (const id of ['a', 'b', 'c']) push(s, env(id), 500);
    s.ack('sid', 'd1', 3, 500);
    s.maintain(500, TTL);
    expect(s.length).toBe(3);
    // d3 goes unseen past the TTL; d2, which acked nothing, still holds everything.
    s.maintain(1001, TTL);
    expect([s.deviceCount, s.length]).toEqual([2, 3]);
    // d2 goes too: d1, left alone, has acked everything.
    s.maintain(1101, TTL);
    expect([s.deviceCount, s.length]).toEqual([1, 0]);
    // The one left is still the device it was: its ack is remembered, a new id starts at 0.
    expect(push(s, env('d'), 1102)).toBe(4);
    s.touch('d4', 1102);
    expect(s.deviceCount).toBe(2);
    s.ack('sid', 'd1', 4, 1103);
    s.maintain(1103, TTL);
    expect(s.length).toBe(1);
    s.ack('sid', 'd4', 4, 1103);
    s.maintain(1103, TTL);
    expect(s.length).toBe(0);
  });

  it('is idle only with nothing held and no device seen within the TTL', () => {
    const { s, totals } = fresh(5);
    expect(s.idle).toBe(true);
    s.touch('d1', 0);
    expect(s.idle).toBe(false);
    push(s, env('a'), 0);
    expect(totals).toEqual({ streams: 1, entries: 1, bytes: s.bytes });
    s.ack('sid', 'd1', 6, 1);
    s.maintain(1, TTL);
    expect([s.length, s.bytes, s.idCount, s.idle]).toEqual([0, 0, 0, false]);
    expect(totals).toEqual({ streams: 0, entries: 0, bytes: 0 });
    s.maintain(2000, TTL);
    expect([s.deviceCount, s.idle, s.head]).toEqual([0, true, 6]);
  });

  it('forgets an envelope id once its entry is gone, and reads nothing from an empty stream', () => {
    const { s } = fresh();
    s.touch('d1', 0);
    push(s, env('a'), 0);
    push(s, { kind: 'delivered', id: 'x', frame: '{"type":"delivered","id":"x"}' }, 0);
    expect([s.envelope('a')?.offset, s.idCount]).toEqual([1, 1]);
    s.ack('sid', 'd1', 1, 1);
    s.maintain(1, TTL);
    expect([s.envelope('a'), s.idCount, s.length]).toEqual([undefined, 0, 1]);
    s.ack('sid', 'd1', 2, 1);
    s.maintain(1, TTL);
    expect([s.after(0, 10), s.get(2), s.envelope('a')]).toEqual([[], undefined, undefined]);
    expect(push(s, env('a'), 2)).toBe(3);
    expect(s.after(0, 10).map((e) => e.offset)).toEqual([3]);
  });

  it('keeps time order across a stretch with nothing held when the clock steps back', () => {
    const { s } = fresh();
    s.touch('d1', 0);
    push(s, env('a'), 500);
    s.ack('sid', 'd1', 1, 500);
    s.maintain(500, TTL);
    expect(s.length).toBe(0);
    // The clock steps back 400 ms: the next entry still counts from 500, so it lasts until 1500.
    push(s, env('b'), 100);
    s.touch('d2', 1400);
    s.maintain(1400, TTL);
    expect(s.length).toBe(1);
    s.maintain(1500, TTL);
    expect(s.length).toBe(0);
  });

  it('reports an envelope delivered once, on the first ack of any of several devices', () => {
    const { s } = fresh();
    s.touch('d1', 0);
    s.touch('d2', 0);
    push(s, env('a'), 0);
    push(s, env('self', 'sid'), 0);
    expect(s.ack('sid', 'd2', 2, 1).map((e) => e.id)).toEqual(['a']);
    expect(s.ack('sid', 'd1', 2, 1)).toEqual([]);
  });
});
