// One typed configuration, read from the environment (and an optional .env file). Every variable is
// declared once in CONFIG_VARS: its name, default, meaning and parser, so the README can list them
// and a bad value stops start-up with a message naming the variable, the value and what was wanted.
import { existsSync } from 'node:fs';
import { ConfigError, type LogLevel, type RedisPubSub } from './configParsers.ts';
import { CORE_VARS, type ConfigVar } from './configVars.ts';
import { FEATURE_VARS } from './configVarsFeatures.ts';

export { ConfigError, LOG_LEVELS, parseDuration, type LogLevel, type RedisPubSub } from './configParsers.ts';

export interface Config {
  port: number;
  host: string;
  heartbeatMs: number;
  authTimeoutMs: number;
  invitationTtlMs: number;
  mailboxTtlMs: number;
  presenceDebounceMs: number;
  maxConnections: number;
  maxDevicesPerId: number;
  /** Open sockets per client address, and the tighter share of them that may be unauthenticated. */
  maxConnectionsPerIp: number;
  maxUnauthPerIp: number;
  maxFrameBytes: number;
  mailboxMaxEntries: number;
  mailboxMaxBytes: number;
  maxPendingInvites: number;
  inviteRatePerHour: number;
  maxGrants: number;
  maxPresenceSubs: number;
  /** Token buckets (burst = the rate, refilled evenly over its period); 0 = no limit. */
  sendRatePerMin: number;
  sendRateIpPerMin: number;
  inviteRateIpPerHour: number;
  presenceRatePerMin: number;
  presenceRateIpPerMin: number;
  authRateIpPerMin: number;
  /** Issue 11 abuse limits (limits.ts, quotas.ts). */
  revokeRatePerMin: number;
  revokeRateIpPerMin: number;
  maxRevocations: number;
  grantRatePerMin: number;
  grantRateIpPerMin: number;
  grantFramesPerMin: number;
  privacyRatePerMin: number;
  mailboxSenderShare: number;
  maxPendingInvitesPerAddress: number;
  maxPendingInvitesFromNew: number;
  newIdentityAgeMs: number;
  /** Reverse proxies in front whose X-Forwarded-For / X-Forwarded-Proto are believed (0 = none). */
  trustProxy: number;
  /** Strict-Transport-Security max-age for requests a trusted proxy says came over TLS; 0 = never. */
  hstsMaxAgeMs: number;
  /** Normalised origins ("https://chat.example"), "*" for any; empty = same-origin only. */
  allowedOrigins: string[];
  /** Normalised ws(s):// origins clients dial and sign in auth v2; empty = the listening address and localhost (not with TRUST_PROXY). */
  publicOrigins: string[];
  redisUrl: string | undefined;
  /** Prefix of every Redis key and channel; instances sharing it (and the Redis) form one relay. */
  redisKeyPrefix: string;
  /** HMAC key turning Session IDs into Redis key fragments; required with redisUrl. */
  redisIdSecret: string | undefined;
  /** Pub/sub flavour for the Redis bus: sharded (Redis ≥ 7), classic, or auto (by server version). */
  redisPubSub: RedisPubSub;
  /** With Redis: how long a crashed instance's sockets still count for presence. */
  instanceTtlMs: number;
  logLevel: LogLevel;
  /** Worker threads verifying Ed25519 signatures (auth, grants); 0 = on the main thread. */
  verifyThreads: number;
  staticDir: string;
  // ---- attachments (server/src/blobs/) ----
  /** Largest blob (an encrypted attachment) in bytes. */
  attachmentMaxBytes: number;
  /** Bytes of live blobs one Session ID may hold. */
  blobQuotaBytes: number;
  /** How long a blob lives; undefined = mailboxTtlMs. */
  blobTtlMs: number | undefined;
  blobDir: string;
  /** HMAC key (hex) for blob tokens and owner tags; undefined = random per start. */
  blobSecret: string | undefined;
  /** S3-compatible bucket; undefined = the directory store. */
  blobS3Bucket: string | undefined;
  blobS3Endpoint: string | undefined;
  blobS3Region: string;
  blobS3Prefix: string;
  /** A separate /metrics listener on 127.0.0.1 (0 = any free port); undefined = none. */
  metricsPort: number | undefined;
  /** Bearer token that opens /metrics on the public listener; undefined = /metrics is not served there. */
  metricsToken: string | undefined;
  /** PEM certificate chain and private key: both set = https/wss (tls.ts checks them at start). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  // ---- Web Push (server/src/push/, docs/operations.md "Web Push") ----
  /** VAPID key pair, base64url (raw P-256 public point, raw private scalar); both or neither. */
  vapidPublicKey: string | undefined;
  vapidPrivateKey: string | undefined;
  /** VAPID `sub`: a mailto: or https: contact for push services. */
  vapidSubject: string;
  /** Where main.ts keeps a generated key pair when none is configured; "" = never generate. */
  vapidKeyFile: string;
  /** TTL header of a push: how long a push service keeps it for an unreachable device. */
  pushTtlMs: number;
  /** At most one push per device per this interval; entries in between are merged into the next. */
  pushCoalesceMs: number;
  pushQueueMax: number;
  pushConcurrency: number;
  pushTimeoutMs: number;
  /** Tests only: accept http:// and loopback/private push endpoints (a local test push service). */
  pushAllowPrivate: boolean;
  // ---- account document (handlers/account.ts) ----
  accountMaxBytes: number;
  accountTtlMs: number;
  accountRatePerMin: number;
  regrantRatePerHour: number;
  /** How far in the future a grant's iat may lie (the granter's clock running ahead). */
  grantMaxSkewMs: number;
}

export type { ConfigVar } from './configVars.ts';

/**
 * The lifetimes MAILBOX_TTL stands for, each derived here and nowhere else: what waits for a device
 * that is away (its mailbox entries, the attachments they point to, its push subscription, the mark
 * that it is live on some instance) lasts as long as an entry it has not taken. app.ts computes
 * them once into the context; the modules read the named lifetime, never MAILBOX_TTL itself.
 */
export interface Lifetimes {
  /** An unacknowledged mailbox entry (told to clients in hello, which prune their outbox by it). */
  readonly mailboxTtlMs: number;
  /** A blob: BLOB_TTL, or as long as the entry that points to it. */
  readonly blobTtlMs: number;
  /** A push subscription since its device last authenticated: pushes beyond it would wake a device for nothing. */
  readonly pushSubscriptionTtlMs: number;
  /** A device's liveness record in Redis (and its generation): kept while a push could still be due for it. */
  readonly livenessTtlMs: number;
}

export function lifetimes(config: Pick<Config, 'mailboxTtlMs' | 'blobTtlMs'>): Lifetimes {
  const mailboxTtlMs = config.mailboxTtlMs;
  return { mailboxTtlMs, blobTtlMs: config.blobTtlMs ?? mailboxTtlMs, pushSubscriptionTtlMs: mailboxTtlMs, livenessTtlMs: mailboxTtlMs };
}

/** Every environment variable the server reads, in README order. */
export const CONFIG_VARS: readonly ConfigVar[] = [...CORE_VARS, ...FEATURE_VARS];

function build(env: Readonly<Record<string, string | undefined>>, useDefaultsOnly: boolean): Config {
  const out: Record<string, unknown> = {};
  for (const cv of CONFIG_VARS) {
    const raw = useDefaultsOnly ? undefined : env[cv.name];
    out[cv.key] = raw === undefined ? cv.parse(cv.default, cv.name) : cv.parse(raw, cv.name);
  }
  const config = out as unknown as Config;
  requireIdSecret(config);
  return config;
}

/** Redis keys must not carry Session IDs (docs/security.md "Redis at rest"): no Redis without the secret. */
export function requireIdSecret(config: Pick<Config, 'redisUrl' | 'redisIdSecret'>): void {
  if (config.redisUrl !== undefined && config.redisIdSecret === undefined) {
    throw new ConfigError(
      'REDIS_ID_SECRET',
      'REDIS_ID_SECRET is required when REDIS_URL is set: a secret of at least 16 characters (e.g. openssl rand -hex 32), the same on every instance sharing the Redis prefix',
    );
  }
}

export function defaultConfig(): Config {
  return build({}, true);
}

/** Pure: reads only the given environment. Throws ConfigError on the first bad value. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const config = build(env, false);
  checkConfig(config);
  return config;
}

/** Rules between variables. Behind a proxy the listening address is not where clients dial. */
export function checkConfig(config: Pick<Config, 'trustProxy' | 'publicOrigins'>): void {
  if (config.trustProxy > 0 && config.publicOrigins.length === 0) {
    throw new ConfigError(
      'PUBLIC_ORIGINS',
      "PUBLIC_ORIGINS is required with TRUST_PROXY: behind a proxy, clients dial the proxy's origin (such as wss://chat.example.com), which the server cannot guess",
    );
  }
}

/** Loads ./.env into process.env when the file exists (variables already set win). */
export function loadDotEnv(path = '.env'): boolean {
  if (!existsSync(path)) return false;
  process.loadEnvFile(path);
  return true;
}

/** Seconds of silence after which uWS closes a socket: 1.5 × heartbeat, uWS's 4 s granularity, ≥ 8 s. */
export function idleTimeoutSeconds(heartbeatMs: number): number {
  const s = Math.ceil((1.5 * heartbeatMs) / 1000);
  return Math.min(960, Math.max(8, Math.ceil(s / 4) * 4));
}
