// The push queue of one instance: one slot per device, so entries for a device that is off are
// coalesced into one push carrying everything still pending for it (payload.ts), at most one push
// per device per PUSH_COALESCE. Bounded (PUSH_QUEUE devices, PUSH_CONCURRENCY in flight, a timeout
// per push); it runs beside routing and never blocks it. 404/410 drop the subscription; 429 and
// 5xx back off per push service (Retry-After honoured) and retry a few times.
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { PushSubscriptionRecord, Store } from '../store/types.ts';
import type { DeviceLiveness } from './liveness.ts';
import { encodePayload, type PushItem } from './payload.ts';
import type { PushSender, SendOptions } from './sender.ts';

/** Items kept per device: the newest; the payload holds as many of them as fit. */
const MAX_ITEMS = 32;
const MAX_ATTEMPTS = 4;
const MAX_BACKOFF_MS = 10 * 60_000;

type SlotState = 'idle' | 'waiting' | 'ready' | 'inflight';

interface Slot {
  readonly key: string;
  readonly sid: string;
  readonly deviceId: string;
  sub: PushSubscriptionRecord;
  /** Everything the device has not fetched since it was last online (generation gen). */
  items: PushItem[];
  gen: number;
  /** Items arrived since the last push left: another push is due. */
  dirty: boolean;
  state: SlotState;
  timer: NodeJS.Timeout | undefined;
  lastSentAt: number;
  attempts: number;
  topic: string | undefined;
  urgency: SendOptions['urgency'];
}

export interface QueueOptions {
  readonly store: Store;
  readonly sender: PushSender;
  readonly liveness: DeviceLiveness;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly maxDevices: number;
  readonly concurrency: number;
  readonly coalesceMs: number;
  readonly ttlSec: number;
  readonly now?: () => number;
}

export class PushQueue {
  private readonly slots = new Map<string, Slot>();
  private readonly ready: Slot[] = [];
  private inflight = 0;
  /** Push service origin → no request before this time (429 / 5xx). */
  private readonly backoff = new Map<string, number>();
  private closed = false;
  private readonly now: () => number;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: QueueOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Devices holding a slot (waiting, queued, in flight, or idle with items kept for the next push). */
  get size(): number {
    return this.slots.size;
  }

  /** Adds an item for a device that has no live socket; gen = its generation as liveness saw it. */
  offer(
    sid: string,
    sub: PushSubscriptionRecord,
    gen: number,
    item: PushItem,
    opts: { topic?: string; urgency: SendOptions['urgency'] },
  ): void {
    if (this.closed) return;
    const key = sid + '|' + sub.deviceId;
    let slot = this.slots.get(key);
    if (slot === undefined) {
      if (this.slots.size >= this.o.maxDevices && !this.evictIdle()) {
        this.o.metrics.inc('push_sends_total', 'queue_full');
        return;
      }
      slot = {
        key,
        sid,
        deviceId: sub.deviceId,
        sub,
        items: [],
        gen,
        dirty: false,
        state: 'idle',
        timer: undefined,
        lastSentAt: 0,
        attempts: 0,
        topic: undefined,
        urgency: 'normal',
      };
      this.slots.set(key, slot);
    } else {
      // Re-inserted: the map's order is least recently used first (evictIdle).
      this.slots.delete(key);
      this.slots.set(key, slot);
    }
    // The device has been online since these items were gathered: it has them.
    if (slot.gen !== gen) {
      slot.items = [];
      slot.gen = gen;
    }
    slot.sub = sub;
    slot.items.push(item);
    if (slot.items.length > MAX_ITEMS) slot.items.splice(0, slot.items.length - MAX_ITEMS);
    slot.topic = opts.topic;
    if (opts.urgency === 'high' || slot.urgency !== 'high') slot.urgency = opts.urgency;
    if (slot.state !== 'idle') this.o.metrics.inc('push_coalesced_total');
    slot.dirty = true;
    if (slot.state === 'idle') this.schedule(slot, 0);
  }

  /** The device connected here: what was pending is being fetched now. */
  forget(sid: string, deviceId: string): void {
    const slot = this.slots.get(sid + '|' + deviceId);
    if (slot === undefined) return;
    slot.items = [];
    slot.dirty = false;
    if (slot.state === 'idle' || slot.state === 'waiting') this.drop(slot);
  }

  /** Resolves once nothing is waiting, queued or in flight (tests, shutdown). */
  settled(): Promise<void> {
    if (this.busy() === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  close(): void {
    this.closed = true;
    for (const s of this.slots.values()) clearTimeout(s.timer);
    this.slots.clear();
    this.ready.length = 0;
    for (const w of this.idleWaiters.splice(0)) w();
  }

  private busy(): number {
    let n = this.inflight + this.ready.length;
    for (const s of this.slots.values()) if (s.state === 'waiting') n++;
    return n;
  }

  private evictIdle(): boolean {
    for (const s of this.slots.values()) {
      if (s.state === 'idle') {
        this.drop(s);
        return true;
      }
    }
    return false;
  }

  private drop(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    if (this.slots.get(slot.key) === slot) this.slots.delete(slot.key);
    const i = this.ready.indexOf(slot);
    if (i >= 0) this.ready.splice(i, 1);
    slot.state = 'idle';
    this.checkSettled();
  }

  private schedule(slot: Slot, extraDelayMs: number): void {
    const now = this.now();
    const origin = originOf(slot.sub.endpoint);
    const due = Math.max(slot.lastSentAt > 0 ? slot.lastSentAt + this.o.coalesceMs : 0, this.backoff.get(origin) ?? 0, now + extraDelayMs);
    if (due > now) {
      slot.state = 'waiting';
      slot.timer = setTimeout(() => {
        slot.timer = undefined;
        if (this.closed || this.slots.get(slot.key) !== slot) return;
        slot.state = 'ready';
        this.ready.push(slot);
        this.pump();
      }, due - now);
      slot.timer.unref();
      return;
    }
    slot.state = 'ready';
    this.ready.push(slot);
    this.pump();
  }

  private pump(): void {
    while (!this.closed && this.inflight < this.o.concurrency && this.ready.length > 0) {
      const slot = this.ready.shift()!;
      this.inflight++;
      slot.state = 'inflight';
      void this.run(slot).finally(() => {
        this.inflight--;
        this.pump();
        this.checkSettled();
      });
    }
  }

  private async run(slot: Slot): Promise<void> {
    const { metrics, log } = this.o;
    try {
      // The device may have connected while this waited (PUSH_COALESCE, a back-off): then it has everything.
      const state = (await this.o.liveness.states(slot.sid)).get(slot.deviceId);
      if (state !== undefined && (state.live || state.gen !== slot.gen)) {
        metrics.inc('push_sends_total', 'online');
        return this.finish(slot, true);
      }
    } catch {
      // Liveness unknown (Redis away): send; a push too many is better than a message missed.
    }
    if (this.closed) return;
    slot.dirty = false;
    const payload = encodePayload(slot.items);
    if (payload === null) metrics.inc('push_payloads_total', 'wakeup');
    else metrics.inc('push_payloads_total', 'boxes');
    const res = await this.o.sender.send(slot.sub, payload, {
      ttlSec: this.o.ttlSec,
      urgency: slot.urgency,
      ...(slot.topic ? { topic: slot.topic } : {}),
    });
    if (this.closed) return;
    metrics.inc('push_sends_total', res.outcome);
    const now = this.now();
    switch (res.outcome) {
      case 'sent':
        slot.lastSentAt = now;
        slot.attempts = 0;
        return this.finish(slot, false);
      case 'gone':
        // Only if it is still the subscription that answered (the device may have re-subscribed).
        try {
          const current = (await this.o.store.pushSubscriptions(slot.sid, now)).find((s) => s.deviceId === slot.deviceId);
          if (current?.endpoint === slot.sub.endpoint && (await this.o.store.deletePushSubscription(slot.sid, slot.deviceId))) {
            metrics.inc('push_subscriptions_total', 'gone');
          }
        } catch {
          // The next push to it answers 410 again.
        }
        return this.finish(slot, true);
      case 'rate_limited':
      case 'server_error':
      case 'timeout':
      case 'network': {
        slot.attempts++;
        if (slot.attempts >= MAX_ATTEMPTS) {
          log.warn('push_given_up', { outcome: res.outcome, status: res.status ?? 0 });
          slot.attempts = 0;
          return this.finish(slot, false);
        }
        const wait = Math.min(MAX_BACKOFF_MS, res.retryAfterMs ?? 1000 * 2 ** slot.attempts);
        if (res.outcome === 'rate_limited' || res.outcome === 'server_error') this.setBackoff(originOf(slot.sub.endpoint), now + wait);
        slot.dirty = true;
        this.schedule(slot, wait);
        return;
      }
      case 'rejected':
        log.warn('push_rejected', { status: res.status ?? 0, detail: res.detail ?? '' });
        return this.finish(slot, false);
    }
  }

  /** After a push (or none): another one if items came meanwhile, else idle (kept for coalescing). */
  private finish(slot: Slot, forgetSlot: boolean): void {
    if (forgetSlot) this.drop(slot);
    else if (slot.dirty && this.slots.get(slot.key) === slot) this.schedule(slot, 0);
    else slot.state = 'idle';
  }

  private setBackoff(origin: string, until: number): void {
    const now = this.now();
    for (const [o, t] of this.backoff) if (t <= now) this.backoff.delete(o);
    this.backoff.set(origin, Math.max(until, this.backoff.get(origin) ?? 0));
  }

  private checkSettled(): void {
    if (this.idleWaiters.length > 0 && this.busy() === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}

function originOf(endpoint: string): string {
  try {
    return new URL(endpoint).origin;
  } catch {
    return endpoint;
  }
}
