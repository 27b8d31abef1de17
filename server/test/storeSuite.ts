// The Store contract, written once and run against every implementation (memory, Redis). It never
// assumes an empty store: every test uses fresh Session IDs, device ids, invitation ids and keys,
// and compares counts as differences, so it can run against a shared Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import type { Invitation, MailboxLimits, NewEntry, Store } from '../src/store/types.ts';

export interface StoreSuiteOptions {
  /**
   * Moves the clock the store uses for the methods that take no `now` (nonce and revocation TTLs).
   * A Redis run may sleep for ms; without it the expiry tests of those two are skipped.
   */
  readonly advanceClock?: (ms: number) => void | Promise<void>;
}

const TTL = 60_000;
const LIMITS: MailboxLimits = { maxEntries: 1000, maxBytes: 1 << 20, ttlMs: TTL };
const DAY = 86_400_000;
const CT = 'AAECAwQFBgcICQoLDA0ODw==';
const GRANT = '{"from":"05…","to":"05…","iat":1,"exp":2,"edPk":"…","sig":"…"}';

const newSid = (): string => '05' + randomId() + randomId();
const spliced = (offset: number, frame: string): string => '{"offset":' + offset + ',' + frame.slice(1);

function envelope(from: string, ts: number, id = randomId()): NewEntry {
  return { kind: 'envelope', id, from, frame: JSON.stringify({ type: 'envelope', id, from, ct: CT, ts }) };
}

function deliveredEntry(to: string, id: string, ts: number): NewEntry {
  return { kind: 'delivered', id, frame: JSON.stringify({ type: 'delivered', id, to, ts }) };
}

function invitationEntry(from: string, to: string, ts: number, id = randomId()): NewEntry {
  return { kind: 'invitation', id, frame: JSON.stringify({ type: 'invitation', id, from, to, ct: CT, grant: {}, expiresAt: ts + DAY, ts }) };
}

function invitation(from: string, to: string, createdAt: number, ttlMs = DAY, id = randomId()): Invitation {
  return { id, from, to, ct: CT, grant: GRANT, createdAt, expiresAt: createdAt + ttlMs, status: 'pending' };
}

async function appendOk(store: Store, sid: string, entry: NewEntry, now: number, limits = LIMITS): Promise<number> {
  const r = await store.append(sid, entry, now, limits);
  if (!r.ok) throw new Error(`append to a stream with room failed: ${r.code}`);
  expect(r.duplicate).toBe(false);
  return r.offset;
}

async function offsets(store: Store, sid: string, now: number, limits = LIMITS): Promise<number[]> {
  return (await store.readAfter(sid, 0, 1000, now, limits)).map((e) => e.offset);
}

export function storeSuite(name: string, makeStore: () => Promise<Store>, opts: StoreSuiteOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let t: number;

    beforeEach(async () => {
      store = await makeStore();
      t = Date.now();
    });

    afterEach(async () => {
      await store.close();
    });

    it('names its kind and carries an epoch token', () => {
      expect(['memory', 'redis']).toContain(store.kind);
      expect(store.epoch).toMatch(/^[0-9a-zA-Z_-]{1,64}$/);
    });

    describe('streams', () => {
      it('assigns consecutive offsets after head and reads them back in order', async () => {
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

      it('keeps the streams of different Session IDs apart', async () => {
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
        const a = newSid();
        const s = newSid();
        // Unusual key order and an escaped character: a re-serialiser would change these bytes.
        const frame = '{"type":"envelope","ts":' + t + ',"ct":"' + CT + '","id":"' + randomId() + '","from":"' + s + '","x":"a\\u00e9"}';
        const r = await store.append(a, { kind: 'envelope', id: randomId(), from: s, frame }, t, LIMITS);
        if (!r.ok) throw new Error(r.code);
        expect(r.text).toBe(spliced(r.offset, frame));
        expect(JSON.parse(r.text)).toEqual({ offset: r.offset, ...JSON.parse(frame) });
        const [held] = await store.readAfter(a, r.offset - 1, 1, t, LIMITS);
        expect(held?.text).toBe(r.text);
        expect(JSON.parse(held!.text).offset).toBe(held!.offset);
      });

      it('appends an envelope id it still holds only once', async () => {
        const a = newSid();
        const s = newSid();
        const d = randomId();
        await store.touchDevice(a, d, t, LIMITS);
        const first = envelope(s, t);
        const o = await appendOk(store, a, first, t);
        const again = await store.append(a, { ...envelope(s, t + 5, first.id) }, t + 5, LIMITS);
        expect(again).toEqual({ ok: true, offset: o, duplicate: true, text: spliced(o, first.frame) });
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
        const limits = { ...LIMITS, maxEntries: 3 };
        const a = newSid();
        const s = newSid();
        const d = randomId();
        await store.touchDevice(a, d, t, limits);
        const sent = [envelope(s, t), envelope(s, t), envelope(s, t)];
        const [o1, o2, o3] = [await appendOk(store, a, sent[0]!, t, limits), await appendOk(store, a, sent[1]!, t, limits), await appendOk(store, a, sent[2]!, t, limits)];
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
        expect(first[0]!.text).toBe(spliced(o1, m1.frame));
        expect(await store.ack(r, d2, o1 + 3, t + 2, LIMITS)).toEqual([]);
        expect((await store.ack(r, d2, o5, t + 3, LIMITS)).map((e) => e.id)).toEqual([m5.id]);
        expect(await store.ack(r, d1, o5, t + 4, LIMITS)).toEqual([]);
        expect(await store.ack(r, d1, o5, t + 5, LIMITS)).toEqual([]);
      });

      it('reports nothing for an identity that only sends to itself', async () => {
        const a = newSid();
        const d = randomId();
        await store.touchDevice(a, d, t, LIMITS);
        await appendOk(store, a, envelope(a, t), t);
        const o = await appendOk(store, a, envelope(a, t), t);
        expect(await store.ack(a, d, o, t + 1, LIMITS)).toEqual([]);
      });
    });

    describe('invitations', () => {
      it('stores an invitation and reads it back; unknown ids are undefined', async () => {
        const inv = invitation(newSid(), newSid(), t);
        expect(await store.putInvitation(inv, 10)).toBe('ok');
        expect(await store.getInvitation(inv.id, t + 1)).toEqual(inv);
        expect(await store.getInvitation(randomId(), t + 1)).toBeUndefined();
      });

      it('refuses a second pending invitation between the same pair, or a reused id', async () => {
        const [a, b] = [newSid(), newSid()];
        const first = invitation(a, b, t);
        expect(await store.putInvitation(first, 10)).toBe('ok');
        expect(await store.putInvitation(invitation(a, b, t + 1), 10)).toBe('INVITE_DUPLICATE');
        expect(await store.putInvitation(invitation(a, newSid(), t + 1, DAY, first.id), 10)).toBe('INVITE_DUPLICATE');
        expect(await store.putInvitation(invitation(b, a, t + 1), 10)).toBe('ok');
        expect(await store.transitionInvitation(first.id, 'declined', t + 2)).toMatchObject({ id: first.id, status: 'declined' });
        expect(await store.putInvitation(invitation(a, b, t + 3), 10)).toBe('ok');
      });

      it('limits pending invitations per recipient', async () => {
        const to = newSid();
        const i1 = invitation(newSid(), to, t);
        expect(await store.putInvitation(i1, 2)).toBe('ok');
        expect(await store.putInvitation(invitation(newSid(), to, t), 2)).toBe('ok');
        expect(await store.putInvitation(invitation(newSid(), to, t), 2)).toBe('INVITE_LIMIT');
        expect(await store.putInvitation(invitation(newSid(), newSid(), t), 2)).toBe('ok');
        await store.transitionInvitation(i1.id, 'cancelled', t + 1);
        expect(await store.putInvitation(invitation(newSid(), to, t + 2), 2)).toBe('ok');
        expect(await store.putInvitation(invitation(newSid(), to, t + 2), 2)).toBe('INVITE_LIMIT');
      });

      it('transitions only from pending, once', async () => {
        const inv = invitation(newSid(), newSid(), t);
        await store.putInvitation(inv, 10);
        expect(await store.transitionInvitation(inv.id, 'accepted', t + 1)).toEqual({ ...inv, status: 'accepted' });
        expect(await store.getInvitation(inv.id, t + 2)).toEqual({ ...inv, status: 'accepted' });
        expect(await store.transitionInvitation(inv.id, 'declined', t + 3)).toBeUndefined();
        expect(await store.transitionInvitation(inv.id, 'accepted', t + 3)).toBeUndefined();
        expect(await store.getInvitation(inv.id, t + 4)).toMatchObject({ status: 'accepted' });
        expect(await store.transitionInvitation(randomId(), 'accepted', t + 3)).toBeUndefined();
      });

      it('refuses a transition once expiresAt has passed; only expiry settles it then', async () => {
        const to = newSid();
        const inv = invitation(newSid(), to, t, 1000);
        await store.putInvitation(inv, 1);
        expect(await store.transitionInvitation(inv.id, 'accepted', inv.expiresAt)).toBeUndefined();
        expect(await store.getInvitation(inv.id, inv.expiresAt)).toMatchObject({ status: 'pending' });
        const taken = await takeMine(store, inv.expiresAt, 10, [inv.id]);
        expect(taken).toEqual([{ ...inv, status: 'expired' }]);
        expect(await store.transitionInvitation(inv.id, 'accepted', inv.expiresAt + 1)).toBeUndefined();
        // Still known a moment later, so a late answer is "not pending" rather than "not found".
        expect(await store.getInvitation(inv.id, inv.expiresAt + 1000)).toMatchObject({ status: 'expired' });
        // Expiry freed the recipient's pending slot.
        expect(await store.putInvitation(invitation(newSid(), to, inv.expiresAt + 1), 1)).toBe('ok');
      });

      it('takes expired invitations in expiresAt order, at most max per call, each once', async () => {
        const mk = (ttl: number) => invitation(newSid(), newSid(), t, ttl);
        const [i30, i10, i20, i100, accepted] = [mk(30), mk(10), mk(20), mk(100), mk(5)];
        for (const inv of [i30, i10, i20, i100, accepted]) expect(await store.putInvitation(inv, 10)).toBe('ok');
        await store.transitionInvitation(accepted.id, 'accepted', t + 1);
        const mine = [i30, i10, i20, i100, accepted].map((i) => i.id);

        const taken = await takeMine(store, t + 50, 2, mine);
        expect(taken.map((i) => i.id)).toEqual([i10.id, i20.id, i30.id]);
        for (const inv of taken) expect(inv.status).toBe('expired');
        expect(await takeMine(store, t + 50, 2, mine)).toEqual([]);
        expect(await store.getInvitation(i100.id, t + 50)).toMatchObject({ status: 'pending' });
        expect(await store.getInvitation(accepted.id, t + 50)).toMatchObject({ status: 'accepted' });
        expect(await store.getInvitation(i20.id, t + 50)).toMatchObject({ status: 'expired' });
        expect((await takeMine(store, t + 100, 2, mine)).map((i) => i.id)).toEqual([i100.id]);
      });
    });

    describe('nonces and revocations', () => {
      it('accepts a nonce once', async () => {
        const n = randomId();
        expect(await store.consumeNonce(n, 60_000)).toBe(true);
        expect(await store.consumeNonce(n, 60_000)).toBe(false);
        expect(await store.consumeNonce(n, 60_000)).toBe(false);
        expect(await store.consumeNonce(randomId(), 60_000)).toBe(true);
      });

      it.skipIf(opts.advanceClock === undefined)('forgets a nonce after its TTL', async () => {
        const n = randomId();
        expect(await store.consumeNonce(n, 200)).toBe(true);
        await opts.advanceClock!(50);
        expect(await store.consumeNonce(n, 200)).toBe(false);
        await opts.advanceClock!(250);
        expect(await store.consumeNonce(n, 200)).toBe(true);
      });

      it('keeps the latest revocation per direction', async () => {
        const [a, b] = [newSid(), newSid()];
        expect(await store.revokedAt(a, b)).toBeUndefined();
        await store.putRevocation(a, b, 100, 60_000);
        expect(await store.revokedAt(a, b)).toBe(100);
        await store.putRevocation(a, b, 50, 60_000);
        expect(await store.revokedAt(a, b)).toBe(100);
        await store.putRevocation(a, b, 200, 60_000);
        expect(await store.revokedAt(a, b)).toBe(200);
        expect(await store.revokedAt(b, a)).toBeUndefined();
        expect(await store.revokedAt(a, newSid())).toBeUndefined();
      });

      it.skipIf(opts.advanceClock === undefined)('forgets a revocation after its TTL', async () => {
        const [a, b] = [newSid(), newSid()];
        await store.putRevocation(a, b, 7, 200);
        await opts.advanceClock!(50);
        expect(await store.revokedAt(a, b)).toBe(7);
        await opts.advanceClock!(250);
        expect(await store.revokedAt(a, b)).toBeUndefined();
      });
    });

    describe('token bucket', () => {
      it('gives a full burst, then says how long to wait, then refills at the rate', async () => {
        const key = 'test:' + randomId();
        for (let i = 0; i < 3; i++) expect(await store.takeToken(key, 2, 3, t)).toBe(0);
        expect(await store.takeToken(key, 2, 3, t)).toBe(500);
        expect(await store.takeToken(key, 2, 3, t + 250)).toBe(250);
        expect(await store.takeToken(key, 2, 3, t + 500)).toBe(0);
        expect(await store.takeToken(key, 2, 3, t + 500)).toBe(500);
        // Another key has its own bucket.
        expect(await store.takeToken('test:' + randomId(), 2, 3, t + 500)).toBe(0);
        // A long idle spell refills up to the burst, not beyond.
        for (let i = 0; i < 3; i++) expect(await store.takeToken(key, 2, 3, t + 60_000)).toBe(0);
        expect(await store.takeToken(key, 2, 3, t + 60_000)).toBe(500);
      });

      it('rounds the wait up to whole milliseconds', async () => {
        const key = 'test:' + randomId();
        expect(await store.takeToken(key, 3, 1, t)).toBe(0);
        expect(await store.takeToken(key, 3, 1, t)).toBe(334);
        expect(await store.takeToken(key, 3, 1, t + 334)).toBe(0);
      });
    });

    it('counts streams, entries, bytes and pending invitations in aggregate', async () => {
      const [a, b, s] = [newSid(), newSid(), newSid()];
      const d = randomId();
      const before = await store.counts();
      const texts: string[] = [];
      for (const [sid, e] of [[a, envelope(s, t)], [a, envelope(s, t)], [b, envelope(s, t)]] as const) {
        const r = await store.append(sid, e, t, LIMITS);
        if (!r.ok) throw new Error(r.code);
        texts.push(r.text);
      }
      const inv = invitation(s, a, t);
      await store.putInvitation(inv, 10);
      const bytes = texts.reduce((n, x) => n + x.length, 0);
      expect(await store.counts()).toEqual({
        streams: before.streams + 2,
        entries: before.entries + 3,
        bytes: before.bytes + bytes,
        invitationsPending: before.invitationsPending + 1,
      });

      await store.touchDevice(a, d, t + 1, LIMITS);
      await store.ack(a, d, await store.head(a), t + 1, LIMITS);
      await store.transitionInvitation(inv.id, 'accepted', t + 1);
      expect(await store.counts()).toEqual({
        streams: before.streams + 1,
        entries: before.entries + 1,
        bytes: before.bytes + texts[2]!.length,
        invitationsPending: before.invitationsPending,
      });
    });
  });
}

/** Takes due invitations until a short batch, keeping only this test's (a shared store may hold others). */
async function takeMine(store: Store, now: number, max: number, ids: readonly string[]): Promise<Invitation[]> {
  const mine: Invitation[] = [];
  let last = -Infinity;
  for (let round = 0; round < 1000; round++) {
    const batch = await store.takeExpiredInvitations(now, max);
    expect(batch.length).toBeLessThanOrEqual(max);
    for (const inv of batch) {
      expect(inv.expiresAt).toBeLessThanOrEqual(now);
      expect(inv.expiresAt).toBeGreaterThanOrEqual(last);
      last = inv.expiresAt;
      if (ids.includes(inv.id)) mine.push(inv);
    }
    if (batch.length < max) break;
  }
  return mine;
}
