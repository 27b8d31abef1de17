// Web Push for one instance: told of every stream entry this instance appends (pushingBus), it
// finds the identity's devices that have a subscription and no live socket anywhere, and hands
// them to the queue. Everything here is off the routing path: onEntry returns at once, the store
// and liveness lookups run afterwards, bounded by PUSH_QUEUE.
import { createHmac } from 'node:crypto';
import type { Config } from '../config.ts';
import type { Bus, BusMessage } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { EntryKind, FrameText, Store } from '../store/types.ts';
import type { DeviceLiveness } from './liveness.ts';
import { itemFor } from './payload.ts';
import { PushQueue } from './queue.ts';
import { PushSender } from './sender.ts';
import { topicKey, type VapidKeys } from './vapid.ts';

export interface PushOptions {
  readonly config: Config;
  /** Lifetimes.pushSubscriptionTtlMs: a subscription's TTL starts again at each authentication. */
  readonly subscriptionTtlMs: number;
  /** Guarded (failures are ProtocolError STORE_UNAVAILABLE). */
  readonly store: Store;
  readonly vapid: VapidKeys;
  readonly liveness: DeviceLiveness;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clock: () => number;
}

export class Push {
  readonly publicKey: string;
  readonly queue: PushQueue;
  private readonly sender: PushSender;
  private readonly topicKey: Buffer;
  /** Entries whose lookups are still running. */
  private intake = 0;
  private intakeWaiters: (() => void)[] = [];

  constructor(private readonly o: PushOptions) {
    const { config } = o;
    this.publicKey = o.vapid.publicKey;
    this.topicKey = topicKey(o.vapid);
    this.sender = new PushSender(o.vapid, config.pushTimeoutMs, config.pushConcurrency, config.pushAllowPrivate);
    this.queue = new PushQueue({
      store: o.store,
      sender: this.sender,
      liveness: o.liveness,
      metrics: o.metrics,
      log: o.log,
      maxDevices: config.pushQueueMax,
      concurrency: config.pushConcurrency,
      coalesceMs: config.pushCoalesceMs,
      ttlSec: Math.floor(config.pushTtlMs / 1000),
    });
  }

  /** Subscriptions a Session ID may hold: every device it may have, with room for reinstalls. */
  get maxSubscriptions(): number {
    return Math.max(10, 2 * this.o.config.maxDevicesPerId);
  }

  /** An entry landed in sid's stream. Returns at once. */
  onEntry(sid: string, type: EntryKind, text: FrameText): void {
    if (type === 'delivered') return;
    if (this.intake >= this.o.config.pushQueueMax) {
      this.o.metrics.inc('push_sends_total', 'intake_full');
      return;
    }
    this.intake++;
    this.route(sid, type, text)
      .catch((err: unknown) => this.o.log.warn('push_route_failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        this.intake--;
        if (this.intake === 0) for (const w of this.intakeWaiters.splice(0)) w();
      });
  }

  /** A device authenticated here: it is live, its subscription's TTL starts again, its pending items are fetched now. */
  deviceOnline(sid: string, deviceId: string): void {
    this.o.liveness.online(sid, deviceId);
    this.queue.forget(sid, deviceId);
    const { subscriptionTtlMs, clock } = this.o;
    this.o.store.touchPushSubscription(sid, deviceId, subscriptionTtlMs, clock()).catch(() => undefined);
  }

  deviceOffline(sid: string, deviceId: string): void {
    this.o.liveness.offline(sid, deviceId);
  }

  /** Resolves when every entry seen so far was looked up and every push it caused has left (tests). */
  async settled(): Promise<void> {
    if (this.intake > 0) await new Promise<void>((r) => this.intakeWaiters.push(r));
    await this.queue.settled();
  }

  close(): void {
    this.queue.close();
    this.sender.close();
    this.o.liveness.close();
  }

  private async route(sid: string, type: EntryKind, text: FrameText): Promise<void> {
    const item = itemFor(sid, type, text);
    if (item === undefined) return;
    const subs = await this.o.store.pushSubscriptions(sid, this.o.clock());
    if (subs.length === 0) return;
    const states = await this.o.liveness.states(sid);
    for (const sub of subs) {
      const state = states.get(sub.deviceId);
      if (state?.live) {
        this.o.metrics.inc('push_sends_total', 'online');
        continue;
      }
      // Every push to a device carries all it has pending, so one topic per device: a push the
      // service still holds is replaced by the next, which has everything it had. A keyed hash:
      // the push service cannot link it to a Session ID, a device or a sender.
      const topic = createHmac('sha256', this.topicKey).update(`${sid}|${sub.deviceId}`).digest().subarray(0, 24).toString('base64url');
      this.queue.offer(sid, sub, state?.gen ?? 0, item, { topic, urgency: item.k === 'm' ? 'high' : 'normal' });
    }
  }
}

/** The bus handlers use: every stream entry this instance appends is also shown to Push. */
export function pushingBus(inner: Bus, push: Push): Bus {
  return {
    toIdentity(sid: string, msg: BusMessage, exceptConn?: number): void {
      inner.toIdentity(sid, msg, exceptConn);
      if (msg.kind === 'entry') push.onEntry(sid, msg.type, msg.text);
    },
    presence: (sid, online, ts) => inner.presence(sid, online, ts),
    close: () => inner.close(),
  };
}
