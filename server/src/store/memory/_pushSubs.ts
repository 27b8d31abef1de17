// Web Push subscriptions in memory: per identity, per device, each with its own deadline. Bounded by
// the per-identity cap and by the deadlines (expired ones go when their identity is next read or
// written); an identity with none left is removed.
import type { PushSubscriptionRecord, PutPushResult } from '../types.ts';

interface Held {
  readonly sub: PushSubscriptionRecord;
  expiresAt: number;
}

export class PushSubscriptions {
  private readonly bySid = new Map<string, Map<string, Held>>();

  put(sid: string, sub: PushSubscriptionRecord, ttlMs: number, now: number, max: number): PutPushResult {
    const devices = this.live(sid, now) ?? new Map<string, Held>();
    if (!devices.has(sub.deviceId) && devices.size >= max) return 'PUSH_LIMIT';
    devices.set(sub.deviceId, { sub: { ...sub }, expiresAt: now + ttlMs });
    this.bySid.set(sid, devices);
    return 'ok';
  }

  delete(sid: string, deviceId: string): boolean {
    const devices = this.bySid.get(sid);
    if (!devices?.delete(deviceId)) return false;
    if (devices.size === 0) this.bySid.delete(sid);
    return true;
  }

  touch(sid: string, deviceId: string, ttlMs: number, now: number): void {
    const held = this.live(sid, now)?.get(deviceId);
    if (held) held.expiresAt = now + ttlMs;
  }

  list(sid: string, now: number): PushSubscriptionRecord[] {
    const devices = this.live(sid, now);
    return devices ? [...devices.values()].map((h) => ({ ...h.sub })) : [];
  }

  get size(): number {
    return this.bySid.size;
  }

  private live(sid: string, now: number): Map<string, Held> | undefined {
    const devices = this.bySid.get(sid);
    if (!devices) return undefined;
    for (const [d, h] of devices) if (h.expiresAt <= now) devices.delete(d);
    if (devices.size === 0) {
      this.bySid.delete(sid);
      return undefined;
    }
    return devices;
  }
}
