// Web Push subscriptions: one per device, replaced by the next, each with its own deadline
// (refreshed when the device authenticates), capped per identity.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import type { PushSubscriptionRecord } from '../../src/store/types.ts';
import { newSid, type StoreUnderTest } from './fixtures.ts';

const TTL = 60_000;

function sub(deviceId = randomId(), endpoint = `https://push.example/${randomId()}`): PushSubscriptionRecord {
  return { deviceId, endpoint, p256dh: 'B' + 'A'.repeat(86), auth: 'A'.repeat(22) };
}

const byDevice = (subs: PushSubscriptionRecord[]) => [...subs].sort((x, y) => x.deviceId.localeCompare(y.deviceId));

export function pushTests(ctx: StoreUnderTest): void {
  describe('push subscriptions', () => {
    it('keeps one subscription per device, replaced by the next, and deletes it', async () => {
      const { store, t } = ctx;
      const sid = newSid();
      const [a, b] = [sub(), sub()];
      expect(await store.pushSubscriptions(sid, t)).toEqual([]);
      expect(await store.putPushSubscription(sid, a, TTL, t, 10)).toBe('ok');
      expect(await store.putPushSubscription(sid, b, TTL, t, 10)).toBe('ok');
      expect(byDevice(await store.pushSubscriptions(sid, t))).toEqual(byDevice([a, b]));
      const a2 = sub(a.deviceId);
      expect(await store.putPushSubscription(sid, a2, TTL, t, 10)).toBe('ok');
      expect(byDevice(await store.pushSubscriptions(sid, t))).toEqual(byDevice([a2, b]));
      expect(await store.deletePushSubscription(sid, a.deviceId)).toBe(true);
      expect(await store.deletePushSubscription(sid, a.deviceId)).toBe(false);
      expect(await store.pushSubscriptions(sid, t)).toEqual([b]);
      expect(await store.pushSubscriptions(newSid(), t)).toEqual([]);
    });

    it('forgets a subscription after its TTL unless its device comes back', async () => {
      const { store, t } = ctx;
      const sid = newSid();
      const [a, b] = [sub(), sub()];
      await store.putPushSubscription(sid, a, TTL, t, 10);
      await store.putPushSubscription(sid, b, TTL, t, 10);
      await store.touchPushSubscription(sid, b.deviceId, TTL, t + TTL - 1);
      await store.touchPushSubscription(sid, randomId(), TTL, t + 1);
      expect(await store.pushSubscriptions(sid, t + TTL - 1)).toHaveLength(2);
      expect(await store.pushSubscriptions(sid, t + TTL)).toEqual([b]);
      expect(await store.pushSubscriptions(sid, t + 2 * TTL - 2)).toEqual([b]);
      expect(await store.pushSubscriptions(sid, t + 2 * TTL - 1)).toEqual([]);
      // An expired one is not brought back by a touch.
      await store.touchPushSubscription(sid, b.deviceId, TTL, t + 3 * TTL);
      expect(await store.pushSubscriptions(sid, t + 3 * TTL)).toEqual([]);
    });

    it('caps the devices per identity; a device already counted may still replace its own', async () => {
      const { store, t } = ctx;
      const sid = newSid();
      const [a, b] = [sub(), sub()];
      expect(await store.putPushSubscription(sid, a, TTL, t, 2)).toBe('ok');
      expect(await store.putPushSubscription(sid, b, TTL, t, 2)).toBe('ok');
      expect(await store.putPushSubscription(sid, sub(), TTL, t, 2)).toBe('PUSH_LIMIT');
      expect(await store.putPushSubscription(sid, sub(a.deviceId), TTL, t, 2)).toBe('ok');
      // Expired ones free their place.
      expect(await store.putPushSubscription(sid, sub(), TTL, t + TTL, 2)).toBe('ok');
    });
  });
}
