// Mailbox streams: offsets, the frame text, duplicates, MAILBOX_FULL by entries and bytes, the
// entry TTL, cumulative per-device acks, devices that go quiet, and delivered reports.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import { frameString, type EntryBody } from '../../src/store/types.ts';
import {
  appendOk,
  CT,
  deliveredEntry,
  envelope,
  invitationEntry,
  LIMITS,
  newSid,
  offsets,
  spliced,
  TTL,
  type StoreUnderTest,
} from './fixtures.ts';

export function streamTests(ctx: StoreUnderTest): void {
  describe('streams', () => {
    it('assigns consecutive offsets after head and reads them back in order', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      const h = await store.head(a);
      const e1 = envelope(s, t);
      const e2 = deliveredEntry(s, randomId(), t + 1);
      const e3 = invitationEntry(s, a, t + 2);
      expect(await appendOk(store, a, e1, t)).toBe(h + 1);
      expect(await appendOk(store, a, e2, t + 1)).toBe(h + 2);
      expect(await appendOk(store, a, e3, t + 2)).toBe(h + 3);
      expect(await store.head(a)).toBe(h + 3);

      const all = await store.readAfter(a, h, 10, t + 3, LIMITS);
      expect(all.map((e) => [e.offset, e.kind, e.id, e.from, e.ts])).toEqual([
        [h + 1, 'envelope', e1.id, s, t],
        [h + 2, 'delivered', e2.id, undefined, t + 1],
        [h + 3, 'invitation', e3.id, undefined, t + 2],
      ]);
      expect((await store.readAfter(a, h + 1, 10, t + 3, LIMITS)).map((e) => e.offset)).toEqual([h + 2, h + 3]);
      expect((await store.readAfter(a, h, 2, t + 3, LIMITS)).map((e) => e.offset)).toEqual([h + 1, h + 2]);
      expect((await store.readAfter(a, -5, 10, t + 3, LIMITS)).map((e) => e.offset)).toEqual([h + 1, h + 2, h + 3]);
      expect(await store.readAfter(a, h, 0, t + 3, LIMITS)).toEqual([]);
      expect(await store.readAfter(a, h + 3, 10, t + 3, LIMITS)).toEqual([]);
    });

    it('stores the same text whether or not the entry carries its body (NewEntry.body)', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const e = envelope(newSid(), t);
      const plain = envelope(newSid(), t);
      const body = { ...plain, body: plain.frame.slice(1) as EntryBody };
      const o1 = await appendOk(store, a, e, t);
      const o2 = await appendOk(store, a, body, t);
      const [r1, r2] = await store.readAfter(a, o1 - 1, 2, t, LIMITS);
      expect(frameString(r1!.text)).toBe(spliced(o1, e.frame));
      expect(frameString(r2!.text)).toBe(spliced(o2, plain.frame));
      expect(JSON.parse(frameString(r2!.text))).toMatchObject({ offset: o2, type: 'envelope' });
    });

    it('keeps the streams of different Session IDs apart', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const b = newSid();
      const ha = await store.head(a);
      const hb = await store.head(b);
      await appendOk(store, a, envelope(b, t), t);
      await appendOk(store, a, envelope(b, t), t);
      const onB = envelope(a, t);
      expect(await appendOk(store, b, onB, t)).toBe(hb + 1);
      expect(await store.head(a)).toBe(ha + 2);
      expect((await store.readAfter(b, 0, 10, t, LIMITS)).map((e) => e.id)).toEqual([onB.id]);
      expect(await store.readAfter(newSid(), 0, 10, t, LIMITS)).toEqual([]);
    });

    it('splices the offset into the frame text without re-serialising it', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      // Unusual key order and an escaped character: a re-serialiser would change these bytes.
      const frame = '{"type":"envelope","ts":' + t + ',"ct":"' + CT + '","id":"' + randomId() + '","from":"' + s + '","x":"a\\u00e9"}';
      const r = await store.append(a, { kind: 'envelope', id: randomId(), from: s, frame }, t, LIMITS);
      if (!r.ok) throw new Error(r.code);
      expect(frameString(r.text)).toBe(spliced(r.offset, frame));
      expect(JSON.parse(frameString(r.text))).toEqual({ offset: r.offset, ...JSON.parse(frame) });
      const [held] = await store.readAfter(a, r.offset - 1, 1, t, LIMITS);
      expect(frameString(held!.text)).toBe(frameString(r.text));
      expect(JSON.parse(frameString(held!.text)).offset).toBe(held!.offset);
    });

    it('appends an envelope id it still holds only once', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      const d = randomId();
      await store.touchDevice(a, d, t, LIMITS);
      const first = envelope(s, t);
      const o = await appendOk(store, a, first, t);
      const again = await store.append(a, { ...envelope(s, t + 5, first.id) }, t + 5, LIMITS);
      if (!again.ok) throw new Error(again.code);
      expect({ ...again, text: frameString(again.text) }).toEqual({ ok: true, offset: o, duplicate: true, text: spliced(o, first.frame) });
      expect(await store.head(a)).toBe(o);
      // Only envelopes are keyed by id: a delivered notice may carry the same id.
      expect(await appendOk(store, a, deliveredEntry(s, first.id, t + 6), t + 6)).toBe(o + 1);
      expect(await offsets(store, a, t + 6)).toEqual([o, o + 1]);

      // Once the entry is gone the id is new again (the sender re-sends after an epoch change).
      await store.ack(a, d, o + 1, t + 7, LIMITS);
      expect(await offsets(store, a, t + 7)).toEqual([]);
      expect(await appendOk(store, a, envelope(s, t + 8, first.id), t + 8)).toBe(o + 2);
    });

    it('refuses with MAILBOX_FULL at maxEntries, never dropping, and accepts again after an ack', async () => {
      const { store, t } = ctx;
      const limits = { ...LIMITS, maxEntries: 3 };
      const a = newSid();
      const s = newSid();
      const d = randomId();
      await store.touchDevice(a, d, t, limits);
      const sent = [envelope(s, t), envelope(s, t), envelope(s, t)];
      const [o1, o2, o3] = [
        await appendOk(store, a, sent[0]!, t, limits),
        await appendOk(store, a, sent[1]!, t, limits),
        await appendOk(store, a, sent[2]!, t, limits),
      ];
      expect(await store.append(a, envelope(s, t), t, limits)).toEqual({ ok: false, code: 'MAILBOX_FULL' });
      expect(await store.append(a, deliveredEntry(s, randomId(), t), t, limits)).toEqual({ ok: false, code: 'MAILBOX_FULL' });
      expect(await store.head(a)).toBe(o3);
      expect(await offsets(store, a, t, limits)).toEqual([o1, o2, o3]);
      // A retry of something already held is answered even while full.
      expect(await store.append(a, sent[1]!, t, limits)).toMatchObject({ ok: true, offset: o2, duplicate: true });

      await store.ack(a, d, o2!, t + 1, limits);
      expect(await appendOk(store, a, envelope(s, t + 2), t + 2, limits)).toBe(o3! + 1);
      expect(await appendOk(store, a, envelope(s, t + 2), t + 2, limits)).toBe(o3! + 2);
      expect(await store.append(a, envelope(s, t + 2), t + 2, limits)).toEqual({ ok: false, code: 'MAILBOX_FULL' });
    });

    it('refuses with MAILBOX_FULL at maxBytes, counting the spliced text', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      const d = randomId();
      const h = await store.head(a);
      const e1 = envelope(s, t);
      const e2 = envelope(s, t);
      const bytes = spliced(h + 1, e1.frame).length + spliced(h + 2, e2.frame).length;
      const limits = { ...LIMITS, maxBytes: bytes };
      await store.touchDevice(a, d, t, limits);
      expect(await appendOk(store, a, e1, t, limits)).toBe(h + 1);
      expect(await appendOk(store, a, e2, t, limits)).toBe(h + 2);
      expect(await store.append(a, deliveredEntry(s, randomId(), t), t, limits)).toEqual({ ok: false, code: 'MAILBOX_FULL' });
      expect(await store.append(newSid(), envelope(s, t), t, { ...limits, maxBytes: 50 })).toEqual({ ok: false, code: 'MAILBOX_FULL' });

      await store.ack(a, d, h + 1, t + 1, limits);
      expect(await appendOk(store, a, envelope(s, t + 1), t + 1, limits)).toBe(h + 3);
    });

    it('drops an entry once ttlMs has passed since it was appended, and frees its room', async () => {
      const { store, t } = ctx;
      const limits = { ...LIMITS, maxEntries: 2 };
      const a = newSid();
      const s = newSid();
      const e1 = envelope(s, t);
      const o1 = await appendOk(store, a, e1, t, limits);
      const o2 = await appendOk(store, a, envelope(s, t + 10), t + 10, limits);
      expect(await store.append(a, envelope(s, t + TTL - 1), t + TTL - 1, limits)).toEqual({ ok: false, code: 'MAILBOX_FULL' });
      expect(await offsets(store, a, t + TTL - 1, limits)).toEqual([o1, o2]);
      expect(await offsets(store, a, t + TTL, limits)).toEqual([o2]);
      expect(await offsets(store, a, t + TTL + 10, limits)).toEqual([]);
      expect(await store.head(a)).toBe(o2);
      // Expired ids are new again, offsets are never reused.
      expect(await appendOk(store, a, envelope(s, t + TTL + 10, e1.id), t + TTL + 10, limits)).toBe(o2 + 1);
    });

    it('treats ack as cumulative, clamped to head, and never moving back', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      const d = randomId();
      await store.touchDevice(a, d, t, LIMITS);
      const o1 = await appendOk(store, a, envelope(s, t), t);
      const o2 = await appendOk(store, a, envelope(s, t), t);
      const o3 = await appendOk(store, a, envelope(s, t), t);
      await store.ack(a, d, o1, t + 1, LIMITS);
      expect(await offsets(store, a, t + 1)).toEqual([o2, o3]);
      await store.ack(a, d, o2, t + 2, LIMITS);
      await store.ack(a, d, o1, t + 3, LIMITS);
      expect(await offsets(store, a, t + 3)).toEqual([o3]);
      // An ack beyond head covers only what exists: later entries are still held for it.
      await store.ack(a, d, o3 + 100, t + 4, LIMITS);
      expect(await offsets(store, a, t + 4)).toEqual([]);
      expect(await store.head(a)).toBe(o3);
      const o4 = await appendOk(store, a, envelope(s, t + 5), t + 5);
      const o5 = await appendOk(store, a, envelope(s, t + 5), t + 5);
      expect([o4, o5]).toEqual([o3 + 1, o3 + 2]);
      expect(await offsets(store, a, t + 6)).toEqual([o4, o5]);
      await store.ack(a, d, o5, t + 7, LIMITS);
      expect(await offsets(store, a, t + 7)).toEqual([]);
    });

    it('holds an entry until every device seen within the TTL has acked it', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const s = newSid();
      const [d1, d2, d3] = [randomId(), randomId(), randomId()];
      await store.touchDevice(a, d1, t, LIMITS);
      await store.touchDevice(a, d2, t, LIMITS);
      const o1 = await appendOk(store, a, envelope(s, t), t);
      const o2 = await appendOk(store, a, envelope(s, t), t);
      // d2 never acked: it counts as ack 0.
      await store.ack(a, d1, o2, t + 1, LIMITS);
      expect(await offsets(store, a, t + 1)).toEqual([o1, o2]);
      await store.ack(a, d2, o1, t + 2, LIMITS);
      expect(await offsets(store, a, t + 2)).toEqual([o2]);
      // A device registered now holds what is still stored.
      await store.touchDevice(a, d3, t + 3, LIMITS);
      await store.ack(a, d2, o2, t + 4, LIMITS);
      expect(await offsets(store, a, t + 4)).toEqual([o2]);
      await store.ack(a, d3, o2, t + 5, LIMITS);
      expect(await offsets(store, a, t + 5)).toEqual([]);
      expect(await store.head(a)).toBe(o2);
    });

    it('lets a device unseen for longer than the TTL stop holding entries', async () => {
      const { store, t } = ctx;
      const ttl = 1000;
      const limits = { ...LIMITS, ttlMs: ttl };
      const a = newSid();
      const s = newSid();
      const [live, gone] = [randomId(), randomId()];
      await store.touchDevice(a, gone, t, limits);
      await store.touchDevice(a, live, t + 500, limits);
      const o = await appendOk(store, a, envelope(s, t + 600), t + 600, limits);
      await store.ack(a, live, o, t + ttl - 1, limits);
      expect(await offsets(store, a, t + ttl - 1, limits)).toEqual([o]);
      await store.ack(a, live, o, t + ttl, limits);
      expect(await offsets(store, a, t + ttl, limits)).toEqual([]);
    });

    it('keeps holding for a device that is seen again within the TTL', async () => {
      const { store, t } = ctx;
      const ttl = 1000;
      const limits = { ...LIMITS, ttlMs: ttl };
      const a = newSid();
      const s = newSid();
      const [d1, d2] = [randomId(), randomId()];
      await store.touchDevice(a, d2, t, limits);
      await store.touchDevice(a, d1, t + 500, limits);
      await store.touchDevice(a, d2, t + 900, limits);
      const o = await appendOk(store, a, envelope(s, t + 950), t + 950, limits);
      await store.ack(a, d1, o, t + ttl + 100, limits);
      expect(await offsets(store, a, t + ttl + 100, limits)).toEqual([o]);
    });

    it('reports each envelope from another identity delivered once, on the first ack of any device', async () => {
      const { store, t } = ctx;
      const r = newSid();
      const s = newSid();
      const [d1, d2] = [randomId(), randomId()];
      await store.touchDevice(r, d1, t, LIMITS);
      await store.touchDevice(r, d2, t, LIMITS);
      const m1 = envelope(s, t);
      const o1 = await appendOk(store, r, m1, t);
      await appendOk(store, r, deliveredEntry(s, randomId(), t), t);
      await appendOk(store, r, envelope(r, t), t); // a copy from one of r's own devices
      await appendOk(store, r, invitationEntry(s, r, t), t);
      const m5 = envelope(s, t);
      const o5 = await appendOk(store, r, m5, t);

      const first = await store.ack(r, d1, o1 + 3, t + 1, LIMITS);
      expect(first.map((e) => [e.offset, e.kind, e.id, e.from])).toEqual([[o1, 'envelope', m1.id, s]]);
      expect(frameString(first[0]!.text)).toBe(spliced(o1, m1.frame));
      expect(await store.ack(r, d2, o1 + 3, t + 2, LIMITS)).toEqual([]);
      expect((await store.ack(r, d2, o5, t + 3, LIMITS)).map((e) => e.id)).toEqual([m5.id]);
      expect(await store.ack(r, d1, o5, t + 4, LIMITS)).toEqual([]);
      expect(await store.ack(r, d1, o5, t + 5, LIMITS)).toEqual([]);
    });

    it('reports nothing for an identity that only sends to itself', async () => {
      const { store, t } = ctx;
      const a = newSid();
      const d = randomId();
      await store.touchDevice(a, d, t, LIMITS);
      await appendOk(store, a, envelope(a, t), t);
      const o = await appendOk(store, a, envelope(a, t), t);
      expect(await store.ack(a, d, o, t + 1, LIMITS)).toEqual([]);
    });
  });
}
