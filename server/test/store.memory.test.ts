import { describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { HELD_POOLED_MS, MemoryStore } from '../src/store/memory/memory.ts';
import { IDLE_KEEP_MS } from '../src/store/_bucket.ts';
import type { MailboxLimits, NewEntry } from '../src/store/types.ts';
import { storeSuite } from './storeSuite.ts';
import { envelope, invitation, newSid } from './storeSuite/fixtures.ts';

let fakeNow = 1_700_000_000_000;
storeSuite('memory', async () => new MemoryStore({ clock: () => fakeNow }), {
  advanceClock: (ms) => {
    fakeNow += ms;
  },
});

const T = 1_700_000_000_000;
const TTL = 1000;
const LIMITS: MailboxLimits = { maxEntries: 100, maxBytes: 1 << 20, ttlMs: TTL };

const ZERO_SIZES = {
  streams: 0,
  devices: 0,
  entries: 0,
  envelopeIds: 0,
  invitations: 0,
  pendingRecipients: 0,
  pendingPairs: 0,
  expiringHeap: 0,
  forgettingHeap: 0,
  nonces: 0,
  revocations: 0,
  revokers: 0,
  buckets: 0,
};

describe('MemoryStore', () => {
  it('takes its epoch from the injected generator, and a fresh random one otherwise', () => {
    expect(new MemoryStore({ random: () => 'epoch-1' }).epoch).toBe('epoch-1');
    const [a, b] = [new MemoryStore(), new MemoryStore()];
    expect(a.epoch).toMatch(/^[0-9a-f]{32}$/);
    expect(a.epoch).not.toBe(b.epoch);
    expect(a.kind).toBe('memory');
  });

  it('numbers a stream from 1 on a fresh store', async () => {
    const store = new MemoryStore();
    const a = newSid();
    expect(await store.head(a)).toBe(0);
    expect(await store.append(a, envelope(newSid(), T), T, LIMITS)).toMatchObject({ ok: true, offset: 1 });
    expect(await store.append(a, envelope(newSid(), T), T, LIMITS)).toMatchObject({ ok: true, offset: 2 });
  });

  it('refuses a frame the offset cannot be spliced into', async () => {
    const store = new MemoryStore();
    const bad: NewEntry = { kind: 'envelope', id: randomId(), frame: '{}' };
    await expect(store.append(newSid(), bad, T, LIMITS)).rejects.toThrow(TypeError);
    await expect(store.append(newSid(), { ...bad, frame: '[{"type":1}]' }, T, LIMITS)).rejects.toThrow(/entry\.frame/);
    await expect(store.ack(newSid(), randomId(), -1, T, LIMITS)).rejects.toThrow(RangeError);
  });

  it('does not report an envelope delivered when it expired before the ack', async () => {
    const store = new MemoryStore();
    const [a, d] = [newSid(), randomId()];
    await store.touchDevice(a, d, T, LIMITS);
    await store.append(a, envelope(newSid(), T), T, LIMITS);
    const late = await store.append(a, envelope(newSid(), T + 500), T + 500, LIMITS);
    if (!late.ok) throw new Error(late.code);
    expect((await store.ack(a, d, late.offset, T + TTL, LIMITS)).map((e) => e.offset)).toEqual([late.offset]);
  });

  it('sweeps at most `budget` streams per call, carrying on where the last call stopped', async () => {
    const store = new MemoryStore();
    // Five streams kept alive by a device, then five with nobody behind them.
    for (let i = 0; i < 5; i++) {
      const sid = newSid();
      await store.append(sid, envelope(newSid(), T), T, LIMITS);
      await store.touchDevice(sid, randomId(), T + 900, LIMITS);
    }
    for (let i = 0; i < 5; i++) await store.append(newSid(), envelope(newSid(), T), T, LIMITS);
    expect(store.debugSizes()).toMatchObject({ streams: 10, entries: 10 });

    expect(store.sweep(T + TTL, LIMITS, 5)).toBe(5);
    expect(store.debugSizes()).toMatchObject({ streams: 10, entries: 5, devices: 5 });
    expect(store.sweep(T + TTL, LIMITS, 5)).toBe(5);
    expect(store.debugSizes()).toMatchObject({ streams: 5, entries: 0 });
    expect(await store.counts()).toMatchObject({ streams: 0, entries: 0, bytes: 0 });
    // Never more visits than streams, even with a budget to spare.
    expect(store.sweep(T + TTL, LIMITS, 100)).toBe(5);
    expect(store.sweep(T + 900 + TTL, LIMITS, 100)).toBe(5);
    expect(store.debugSizes()).toEqual(ZERO_SIZES);
    expect(store.sweep(T + 900 + TTL, LIMITS, 100)).toBe(0);
  });

  it('forgets an idle stream only once its devices are unseen for the TTL, and never reuses its offsets', async () => {
    const store = new MemoryStore();
    const [a, d] = [newSid(), randomId()];
    await store.touchDevice(a, d, T, LIMITS);
    for (let i = 0; i < 3; i++) await store.append(a, envelope(newSid(), T), T, LIMITS);
    await store.ack(a, d, 3, T + 10, LIMITS);
    store.sweep(T + 10 + TTL - 1, LIMITS, 10);
    expect(store.debugSizes()).toMatchObject({ streams: 1, entries: 0, devices: 1 });

    // The ack counted as being seen, so the record lives until T + 10 + TTL.
    store.sweep(T + 10 + TTL, LIMITS, 10);
    expect(store.debugSizes()).toMatchObject({ streams: 0, devices: 0 });
    // The device may come back with {epoch, offset: 3}: the next entry must be after 3.
    expect(await store.head(a)).toBe(3);
    expect(await store.append(a, envelope(newSid(), T + 2000), T + 2000, LIMITS)).toMatchObject({ ok: true, offset: 4 });
    expect(await store.readAfter(a, 3, 10, T + 2000, LIMITS)).toHaveLength(1);
  });

  it('keeps a settled invitation for the grace period, then forgets it entirely', async () => {
    const store = new MemoryStore({ invitationGraceMs: 1000 });
    const inv = invitation(newSid(), newSid(), T, 100);
    expect(await store.putInvitation(inv, 5)).toBe('ok');
    expect(await store.transitionInvitation(inv.id, 'accepted', T + 10)).toMatchObject({ status: 'accepted' });
    expect(await store.getInvitation(inv.id, T + 1099)).toMatchObject({ status: 'accepted' });
    expect(await store.getInvitation(inv.id, T + 1100)).toBeUndefined();
    expect(store.debugSizes()).toEqual(ZERO_SIZES);
  });

  it('refuses to store an invitation that is not pending', async () => {
    const store = new MemoryStore();
    const inv = { ...invitation(newSid(), newSid(), T, 100), status: 'accepted' as const };
    await expect(store.putInvitation(inv, 5)).rejects.toThrow(TypeError);
  });

  it('prunes expired nonces a bounded number at a time as new ones arrive', async () => {
    let now = T;
    const store = new MemoryStore({ clock: () => now });
    for (let i = 0; i < 100; i++) await store.consumeNonce(randomId(), TTL);
    expect(store.debugSizes().nonces).toBe(100);
    now += TTL;
    await store.consumeNonce(randomId(), TTL);
    const afterOne = store.debugSizes().nonces;
    expect(afterOne).toBeGreaterThan(1);
    expect(afterOne).toBeLessThan(100);
    await store.consumeNonce(randomId(), TTL);
    expect(store.debugSizes().nonces).toBe(2);
  });

  it('gives frames held for HELD_POOLED_MS bytes of their own when the sweeper passes', async () => {
    const store = new MemoryStore();
    const limits = { ...LIMITS, ttlMs: 60_000 };
    const sid = newSid();
    await store.touchDevice(sid, 'd', T, limits);
    await store.append(sid, envelope(newSid(), T), T, limits);
    await store.append(sid, envelope(newSid(), T + 10), T + 10, limits);
    const shares = async () =>
      (await store.readAfter(sid, 0, 10, T, limits)).map((e) => (e.text as Buffer).byteLength !== (e.text as Buffer).buffer.byteLength);
    expect(await shares()).toEqual([true, true]);
    store.sweep(T + HELD_POOLED_MS, limits, 100);
    expect(await shares()).toEqual([false, true]);
  });

  it('drops token buckets once they have been full for IDLE_KEEP_MS', async () => {
    const store = new MemoryStore();
    for (let i = 0; i < 3; i++) await store.takeToken(`k${i}`, 10, 2, T);
    expect(store.debugSizes().buckets).toBe(3);
    await store.takeToken('k0', 10, 2, T + 50);
    expect(store.debugSizes().buckets).toBe(3);
    // k1 and k2 are full again at T + 100 (one token at 10/s), but an active key keeps its bucket
    // for a while: dropping it at once made every send of a steady sender an insert and a prune.
    await store.takeToken('other', 10, 2, T + 100);
    expect(store.debugSizes().buckets).toBe(4);
    await store.takeToken('other2', 10, 2, T + 100 + IDLE_KEEP_MS - 1);
    expect(store.debugSizes().buckets).toBe(5);
    // Full since T + 100 for IDLE_KEEP_MS: the same as having no bucket.
    await store.takeToken('other3', 10, 2, T + 100 + IDLE_KEEP_MS);
    expect(store.debugSizes().buckets).toBe(4);
    const later = T + 100 + IDLE_KEEP_MS;
    expect(await store.takeToken('k1', 10, 2, later)).toBe(0);
    expect(await store.takeToken('k1', 10, 2, later)).toBe(0);
    expect(await store.takeToken('k1', 10, 2, later)).toBe(100);
  });

  it('shrinks every map back to zero once everything is acked or has expired', async () => {
    let now = T;
    const store = new MemoryStore({ clock: () => now });
    const day = 86_400_000;
    const limits = { ...LIMITS, ttlMs: day };
    const sids = Array.from({ length: 20 }, newSid);
    for (const [i, sid] of sids.entries()) {
      const devices = [randomId(), randomId()];
      for (const d of devices) await store.touchDevice(sid, d, T, limits);
      for (let j = 0; j < 3; j++) await store.append(sid, envelope(sids[(i + 1) % sids.length]!, T), T, limits);
      // Half the streams are fully acked by both devices, the rest wait for the TTL.
      if (i % 2 === 0) for (const d of devices) await store.ack(sid, d, 3, T + 1, limits);
      await store.putInvitation(invitation(sid, sids[(i + 1) % sids.length]!, T, day), 5);
      await store.consumeNonce(randomId(), 60_000);
      await store.putRevocation(sid, sids[(i + 2) % sids.length]!, T, day);
      await store.takeToken(`invite:${sid}`, 1, 5, T);
    }
    expect(store.debugSizes()).toEqual({
      streams: 20,
      devices: 40,
      entries: 30,
      envelopeIds: 30,
      invitations: 20,
      pendingRecipients: 20,
      pendingPairs: 20,
      expiringHeap: 20,
      forgettingHeap: 0,
      nonces: 20,
      revocations: 20,
      revokers: 20,
      buckets: 20,
    });

    now = T + 2 * day;
    expect(await store.takeExpiredInvitations(now, 100)).toHaveLength(20);
    expect(store.sweep(now, limits, 1000)).toBe(20);
    expect(store.debugSizes()).toEqual(ZERO_SIZES);
    expect(await store.counts()).toEqual({ streams: 0, entries: 0, bytes: 0, invitationsPending: 0 });
  });
});
