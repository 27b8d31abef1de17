// Builds and starts one relay: config, store, hub, bus, presence, the uWS app with /ws and HTTP,
// the maintenance timers; returns a handle that closes it gracefully or kills it abruptly.
import type uWS from 'uWebSockets.js';
import { AddressCounts } from './transport/addresses.ts';
import type { Cluster } from './cluster/cluster.ts';
import { checkConfig, defaultConfig, lifetimes, requireIdSecret, type Config } from './config.ts';
import { backpressure, helloLimits, mailboxLimits, type LiveSocket, type ServerContext } from './context.ts';
import { startBlobs, type BlobsHandle } from './blobs/start.ts';
import type { BlobStore } from './blobs/types.ts';
import { guardStore } from './store/guardStore.ts';
import { registerHttp } from './http/http.ts';
import { Hub, LocalBus } from './hub.ts';
import { createLogger, type LogFields, type Logger } from './log.ts';
import { startMaintenance } from './maintenance.ts';
import { Metrics } from './http/metrics.ts';
import { Presence } from './presence.ts';
import { publicOrigins } from './transport/publicOrigins.ts';
import { pushingBus } from './push/push.ts';
import { startPush } from './push/start.ts';
import { routeFrame } from './transport/router.ts';
import { wsBehavior } from './transport/socket.ts';
import { tlsFiles } from './transport/tls.ts';
import { transport as defaultTransport, type Transport, type TransportKind } from './transport/uws.ts';
import { MemoryStore } from './store/memory/memory.ts';
import type { RedisStore } from './store/redis/redis.ts';
import type { Store } from './store/types.ts';
import { configureVerifyPool, nativeVerify } from './auth/verify.ts';

export interface StartOptions {
  /** Overrides on top of defaultConfig() (tests); main.ts passes the whole loadConfig(env). */
  config?: Partial<Config>;
  /** Default: a new MemoryStore. Pass one to keep a store across a restart (tests). */
  store?: Store;
  clock?: () => number;
  log?: Logger;
  /** Default: from config (BLOB_S3_BUCKET or BLOB_DIR). Pass one to use explicit credentials (tests). */
  blobStore?: BlobStore;
  /** Default: native uWS where it has a build for this Node, else the Node fallback (tests pick). */
  transport?: Transport;
}

export interface RunningServer {
  /** The bound port (the real one when config.port is 0). */
  readonly port: number;
  /** ws://127.0.0.1:PORT/ws (wss:// with TLS_CERT/TLS_KEY) */
  readonly url: string;
  /** http://127.0.0.1:PORT (https://) */
  readonly httpUrl: string;
  /** The private /metrics listener's port (METRICS_PORT), when there is one. */
  readonly metricsPort: number | undefined;
  /** uWebSockets.js native, or the Node fallback (transport/uws.ts). */
  readonly transport: TransportKind;
  readonly tls: boolean;
  readonly store: Store;
  readonly config: Config;
  /** Graceful: stop listening, close every socket with 1001 GOING_AWAY, close the store. */
  close(): Promise<void>;
  /** Abrupt: stop listening and drop every socket without a close frame; the store stays open. */
  kill(): void;
}

/**
 * The store for a config: memory, or Redis when REDIS_URL is set. A Redis that cannot be reached
 * rejects with "Redis at <url, password hidden> is not reachable: <cause>" (main.ts exits 1).
 */
export async function createStore(config: Config, clock: () => number, log?: Logger): Promise<Store> {
  if (config.redisUrl === undefined) return new MemoryStore({ clock });
  requireIdSecret(config);
  // Loaded only when used: the memory default does not load the Redis client.
  const { createRedisStore } = await import('./store/redis/redis.ts');
  return createRedisStore({
    url: config.redisUrl,
    keyPrefix: config.redisKeyPrefix,
    idSecret: config.redisIdSecret!,
    clock,
    log: (event, fields) => {
      const out: LogFields = {};
      for (const [k, v] of Object.entries(fields))
        out[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null ? v : String(v);
      if (event.endsWith('_up')) log?.info(event, out);
      else log?.warn(event, out);
    },
  });
}

/** Several instances over Redis: the bus, shared presence, and the epoch watch. */
async function joinCluster(
  store: RedisStore,
  hub: Hub,
  config: Config,
  log: Logger,
  metrics: Metrics,
  sockets: Set<LiveSocket>,
): Promise<Cluster> {
  const { startCluster } = await import('./cluster/cluster.ts');
  return startCluster({
    store,
    hub,
    config,
    log,
    metrics,
    // Redis lost its data: clients must see the new epoch and re-send what it lost. They do on
    // reconnect (here or elsewhere), so every socket goes, the unauthenticated ones included.
    onEpochChange: () => {
      for (const s of [...sockets]) s.goAway();
    },
  });
}

function listen(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`cannot listen on ${host}:${port} (in use, or not an address of this host)`));
    });
  });
}

function localHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const config: Config = { ...defaultConfig(), ...opts.config };
  checkConfig(config);
  // Before anything is opened: a bad certificate must not leave a store connection behind.
  const tls = tlsFiles(config);
  const transport = opts.transport ?? defaultTransport;
  const clock = opts.clock ?? Date.now;
  const log = opts.log ?? createLogger(config.logLevel);
  const rawStore = opts.store ?? (await createStore(config, clock, log));
  const metrics = new Metrics();
  const hub = new Hub(clock);
  const sockets = new Set<LiveSocket>();
  let cluster: Cluster | undefined;
  if (rawStore.kind === 'redis') {
    try {
      cluster = await joinCluster(rawStore as RedisStore, hub, config, log, metrics, sockets);
    } catch (err) {
      if (!opts.store) await rawStore.close();
      throw err;
    }
  }
  const store = guardStore(rawStore, log, metrics);
  const life = lifetimes(config);
  const push = startPush({ config, lifetimes: life, store, rawStore, cluster, log, metrics, clock });
  const baseBus = cluster?.bus ?? new LocalBus(hub);
  const bus = push ? pushingBus(baseBus, push) : baseBus;
  const blobs: BlobsHandle = await startBlobs(config, life.blobTtlMs, clock, log, opts.blobStore);
  const ctx: ServerContext = {
    blobs: blobs.blobs,
    config,
    store,
    clock,
    log,
    metrics,
    hub,
    bus,
    presence: new Presence(hub, bus, clock, config.presenceDebounceMs, cluster?.presence, log),
    ...(cluster ? { cluster } : {}),
    ...(push ? { push } : {}),
    verify: nativeVerify,
    ...mailboxLimits(config, life),
    ...backpressure(config),
    helloLimits: helloLimits(config, life),
    lifetimes: life,
    publicOrigins: new Set<string>(),
    startedAt: Date.now(),
    sockets,
    addresses: new AddressCounts(config),
  };

  configureVerifyPool(config.verifyThreads);
  const app = transport.app(tls);
  app.ws('/ws', wsBehavior(ctx, routeFrame));
  blobs.register(app, ctx);
  const metricsApp = config.metricsPort === undefined ? undefined : transport.app(undefined);
  const stopHttp = registerHttp(app, ctx, metricsApp);
  const listenSocket = await listen(app, config.host, config.port);
  // Loopback only, plain http: a scraper on this host (or a sidecar) reads it; nothing outside can.
  const metricsSocket = metricsApp ? await listen(metricsApp, '127.0.0.1', config.metricsPort!) : undefined;
  const metricsPort = metricsSocket ? transport.localPort(metricsSocket) : undefined;
  const port = transport.localPort(listenSocket);
  for (const o of publicOrigins(config, port, tls !== undefined)) ctx.publicOrigins.add(o);
  const stopMaintenance = startMaintenance(ctx, rawStore);
  const host = localHost(config.host);

  let stopped = false;
  const stop = (): void => {
    stopped = true;
    stopMaintenance();
    blobs.stop();
    stopHttp();
    transport.closeListenSocket(listenSocket);
    if (metricsSocket) transport.closeListenSocket(metricsSocket);
  };
  /** Also ends idle HTTP keep-alive sockets, which would otherwise keep the process alive. */
  const closeApp = (): void => {
    (app as unknown as { close?: () => void }).close?.();
    (metricsApp as unknown as { close?: () => void } | undefined)?.close?.();
  };

  return {
    port,
    url: `${tls ? 'wss' : 'ws'}://${host}:${port}/ws`,
    httpUrl: `${tls ? 'https' : 'http'}://${host}:${port}`,
    metricsPort,
    transport: transport.kind,
    tls: tls !== undefined,
    store: rawStore,
    config,
    async close() {
      if (stopped) return;
      stop();
      for (const s of [...ctx.sockets]) s.goAway();
      // After the sockets: their closing schedules offline timers, which are moot now.
      ctx.presence.close();
      log.info('shutdown', { sockets: ctx.sockets.size });
      // With Redis, the identities held here stay online for the debounce (they reconnect to another instance meanwhile).
      push?.close();
      if (cluster) await cluster.close(config.presenceDebounceMs);
      else await bus.close();
      await rawStore.close();
      await blobs.close();
      // Give the close frames a turn of the loop to leave before the remaining sockets are cut.
      await new Promise((r) => setTimeout(r, 20));
      closeApp();
    },
    kill() {
      if (stopped) return;
      stop();
      for (const s of [...ctx.sockets]) s.kill();
      ctx.presence.close();
      push?.close();
      cluster?.kill();
      closeApp();
    },
  };
}
