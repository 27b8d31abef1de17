// Builds Web Push for one relay when VAPID keys are configured: liveness from this process alone
// (memory store) or shared through Redis (several instances).
import type { Cluster } from '../cluster/cluster.ts';
import type { Config, Lifetimes } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { RedisStore } from '../store/redis/redis.ts';
import type { Store } from '../store/types.ts';
import { LocalLiveness } from './liveness.ts';
import { Push } from './push.ts';
import { RedisLiveness } from './redisLiveness.ts';
import { vapidFromConfig } from './vapid.ts';

export interface StartPushOptions {
  readonly config: Config;
  readonly lifetimes: Lifetimes;
  readonly store: Store;
  readonly rawStore: Store;
  readonly cluster: Cluster | undefined;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly clock: () => number;
}

export function startPush(o: StartPushOptions): Push | undefined {
  const vapid = vapidFromConfig(o.config);
  if (vapid === undefined) {
    o.log.info('push_off', { reason: 'no VAPID keys configured' });
    return undefined;
  }
  if (o.config.pushAllowPrivate)
    o.log.warn('push_allow_private', { note: 'PUSH_ALLOW_PRIVATE is for tests: push endpoints on private addresses are accepted' });
  const liveness =
    o.cluster && o.rawStore.kind === 'redis'
      ? new RedisLiveness(o.rawStore as RedisStore, o.cluster.instanceId, o.lifetimes.livenessTtlMs, o.log)
      : new LocalLiveness();
  o.log.info('push_on', { subject: o.config.vapidSubject.replace(/^mailto:.*@/, 'mailto:…@') });
  return new Push({
    config: o.config,
    subscriptionTtlMs: o.lifetimes.pushSubscriptionTtlMs,
    store: o.store,
    vapid,
    liveness,
    log: o.log,
    metrics: o.metrics,
    clock: o.clock,
  });
}
