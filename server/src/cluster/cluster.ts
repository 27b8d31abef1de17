// Several instances over one Redis: the bus (redisBus.ts), shared presence (redisPresence.ts), and
// what an instance does when Redis comes and goes. app.ts builds this when the store is Redis.
//
// Redis lost: the store fails fast (handlers answer STORE_UNAVAILABLE, retryable), local sockets
// stay open and keep their heartbeat, ephemeral frames between local sockets still flow, /health
// says "degraded". Redis back: node-redis reconnects both connections by itself, the bus
// resubscribes, every local socket catches up from the store, watchers are re-told presence, and
// this instance writes its presence views again. Redis back *empty* (a new epoch): every local
// socket is closed with GOING_AWAY; clients reconnect, see the new epoch and re-send.
import { randomId } from '../../../protocol/index.ts';
import type { Config } from '../config.ts';
import type { Hub } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import { RedisBus, type PubSubMode } from './redisBus.ts';
import { RedisPresence } from './redisPresence.ts';
import type { RedisStore } from '../store/redis/redis.ts';

/** What /health shows about Redis. */
export interface ClusterHealth {
  readonly instance: string;
  /** The store's command connection and the bus subscriber. */
  readonly redis: { readonly store: 'up' | 'down'; readonly pubsub: 'up' | 'down'; readonly mode: PubSubMode };
}

export interface Cluster {
  readonly instanceId: string;
  readonly bus: RedisBus;
  readonly presence: RedisPresence;
  /** Nothing wrong with Redis as far as this instance can tell. */
  readonly healthy: boolean;
  health(): ClusterHealth;
  /** Graceful: this instance's identities go offline after graceMs unless they reconnect elsewhere. */
  close(graceMs: number): Promise<void>;
  /** As a crash looks to the others: the heartbeat stops, the subscriber drops. */
  kill(): void;
}

export interface ClusterOptions {
  readonly store: RedisStore;
  readonly hub: Hub;
  readonly config: Config;
  readonly log: Logger;
  readonly metrics: Metrics;
  /** Redis lost its data: the store moved to a new epoch. */
  readonly onEpochChange: (epoch: string, previous: string) => void;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const { store, hub, config, log, metrics } = opts;
  const instanceId = randomId();
  const bus = await RedisBus.create({ hub, store, instanceId, mode: config.redisPubSub, log, metrics });
  const presence = new RedisPresence({
    store,
    instanceId,
    instanceTtlMs: config.instanceTtlMs,
    channel: (frag) => bus.presenceChannelOf(frag),
    publishCommand: bus.publishCommand,
    subscribed: (sid) => bus.subscribed(sid),
    log,
    metrics,
  });
  try {
    await presence.start();
  } catch (err) {
    await bus.close();
    throw err;
  }

  // Presence changes published while the subscriber was away are re-told to the local watchers.
  bus.onRecovered(() => {
    for (const sid of [...hub.watchedTargets()]) {
      presence.isOnline(sid).then(
        (online) => hub.notifyPresence(sid, online, Date.now()),
        () => undefined,
      );
    }
  });
  const offEpoch = store.onEpochChange((epoch, previous) => {
    log.warn('epoch_changed', { epoch, previous, sockets: hub.authenticatedCount });
    opts.onEpochChange(epoch, previous);
  });
  log.info('cluster_joined', { instance: instanceId, pubsub: bus.mode, prefix: store.keyPrefix });

  return {
    instanceId,
    bus,
    presence,
    get healthy() {
      return store.connected && bus.connected;
    },
    health() {
      return {
        instance: instanceId,
        redis: { store: store.connected ? 'up' : 'down', pubsub: bus.connected ? 'up' : 'down', mode: bus.mode },
      };
    },
    async close(graceMs) {
      offEpoch();
      await presence.retire(graceMs);
      await bus.close();
    },
    kill() {
      offEpoch();
      presence.kill();
      bus.kill();
    },
  };
}
