// One typed configuration, read from the environment (and an optional .env file). Every variable is
// declared once in CONFIG_VARS: its name, default, meaning and parser, so the README can list them
// and a bad value stops start-up with a message naming the variable, the value and what was wanted.
import { existsSync } from 'node:fs';
import {
  base64url,
  ConfigError,
  optionalPort,
  publicOrigins,
  token,
  type LogLevel,
  type RedisPubSub,
  duration,
  flag,
  hexKey,
  idSecret,
  integer,
  keyPrefix,
  keyPrefixS3,
  logLevel,
  optional,
  optionalPath,
  optionalText,
  origins,
  type Parser,
  proxyHops,
  pubSub,
  redisUrl,
  text,
  vapidSubject,
} from './configParsers.ts';

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
  /** How far in the future a grant's iat may lie (the granter's clock running ahead). */
  grantMaxSkewMs: number;
}

export interface ConfigVar {
  readonly name: string;
  readonly key: keyof Config;
  /** The default as it would be written in the environment ("" = unset). */
  readonly default: string;
  readonly description: string;
  readonly parse: Parser<Config[keyof Config]>;
}

function v<K extends keyof Config>(name: string, key: K, def: string, description: string, parse: Parser<Config[K]>): ConfigVar {
  return { name, key, default: def, description, parse };
}

const DAY = 86_400_000;

/** Every environment variable the server reads, in README order. */
export const CONFIG_VARS: readonly ConfigVar[] = [
  v('PORT', 'port', '8080', 'TCP port for HTTP and WebSocket (0 = any free port)', integer(0, 65535)),
  v('HOST', 'host', '0.0.0.0', 'interface to listen on', text),
  v(
    'HEARTBEAT_INTERVAL',
    'heartbeatMs',
    '30s',
    'client ping interval told in hello; sockets silent for 1.5× this are closed',
    duration(1000, 600_000),
  ),
  v('AUTH_TIMEOUT', 'authTimeoutMs', '10s', 'time a new socket has to authenticate (close 4408 after)', duration(100, 300_000)),
  v('INVITATION_TTL', 'invitationTtlMs', '24h', 'how long a pending invitation lives before it expires', duration(1000, 365 * DAY)),
  v('MAILBOX_TTL', 'mailboxTtlMs', '7d', 'how long an unacknowledged entry is held for an offline device', duration(1000, 365 * DAY)),
  v(
    'PRESENCE_DEBOUNCE',
    'presenceDebounceMs',
    '3s',
    'delay before an identity whose last socket closed is told offline',
    duration(0, 600_000),
  ),
  v('MAX_CONNECTIONS', 'maxConnections', '100000', 'open WebSockets per instance; more are closed with SERVER_FULL (4503)', integer(1)),
  v('MAX_DEVICES_PER_ID', 'maxDevicesPerId', '10', 'simultaneous sockets per Session ID (TOO_MANY_DEVICES, 4504)', integer(1, 1000)),
  v(
    'MAX_CONNECTIONS_PER_IP',
    'maxConnectionsPerIp',
    '1024',
    'open WebSockets per client address (IPv6: per /64); more are closed with TOO_MANY_CONNECTIONS (4505)',
    integer(1),
  ),
  v(
    'MAX_UNAUTH_PER_IP',
    'maxUnauthPerIp',
    '64',
    'of those, sockets not yet authenticated per client address (TOO_MANY_CONNECTIONS, 4505): a stranger cannot fill MAX_CONNECTIONS with idle sockets',
    integer(1),
  ),
  v('MAX_FRAME_BYTES', 'maxFrameBytes', '65536', 'largest client frame (FRAME_TOO_LARGE, 4413)', integer(4096, 16 * 1024 * 1024)),
  v('MAILBOX_MAX_ENTRIES', 'mailboxMaxEntries', '10000', 'entries held per Session ID before senders get MAILBOX_FULL', integer(1)),
  v('MAILBOX_MAX_BYTES', 'mailboxMaxBytes', '33554432', 'bytes held per Session ID before senders get MAILBOX_FULL', integer(1024)),
  v('MAX_PENDING_INVITES', 'maxPendingInvites', '50', 'pending invitations per recipient (INVITE_LIMIT)', integer(1)),
  v('INVITE_RATE', 'inviteRatePerHour', '20', 'invitations per sender per hour (token bucket, burst = rate; RATE_LIMITED)', integer(1)),
  v('MAX_GRANTS', 'maxGrants', '1000', 'grants or revocations per frame and grants held per socket (TOO_MANY_GRANTS)', integer(1, 1000)),
  v('MAX_PRESENCE_SUBS', 'maxPresenceSubs', '1000', 'presence subscriptions per socket (TOO_MANY_SUBSCRIPTIONS)', integer(0, 100_000)),
  v(
    'SEND_RATE',
    'sendRatePerMin',
    '1200',
    'envelopes (messages, receipts, typing, copies) per Session ID per minute, all devices together (token bucket, burst = rate; RATE_LIMITED; 0 = off)',
    integer(0),
  ),
  v('SEND_RATE_IP', 'sendRateIpPerMin', '12000', 'envelopes per client address per minute (RATE_LIMITED; 0 = off)', integer(0)),
  v('INVITE_RATE_IP', 'inviteRateIpPerHour', '100', 'invitations per client address per hour (RATE_LIMITED; 0 = off)', integer(0)),
  v(
    'PRESENCE_RATE',
    'presenceRatePerMin',
    '3000',
    'presence subscriptions (ids) per Session ID per minute (RATE_LIMITED per id; 0 = off)',
    integer(0),
  ),
  v(
    'PRESENCE_RATE_IP',
    'presenceRateIpPerMin',
    '30000',
    'presence subscriptions (ids) per client address per minute (RATE_LIMITED; 0 = off)',
    integer(0),
  ),
  v(
    'AUTH_RATE_IP',
    'authRateIpPerMin',
    '600',
    'auth attempts per client address per minute, checked before the signature (AUTH_RATE_LIMITED, 4428; 0 = off)',
    integer(0),
  ),
  // Issue 11: every abuse path metered (limits.ts for rates, quotas.ts for what is held).
  v(
    'REVOKE_RATE',
    'revokeRatePerMin',
    '300',
    'new revocations (blocks) in revoke frames per Session ID per minute; re-presenting one the server holds is free (RATE_LIMITED, ref "revoke"; 0 = off)',
    integer(0),
  ),
  v(
    'REVOKE_RATE_IP',
    'revokeRateIpPerMin',
    '600',
    'new revocations in revoke frames per client address per minute (RATE_LIMITED; 0 = off)',
    integer(0),
  ),
  v(
    'MAX_REVOCATIONS',
    'maxRevocations',
    '1000',
    'revocations (blocks) the server holds per Session ID; a new one beyond is REVOCATION_LIMIT (each is a fixed-size record, so this also bounds the bytes)',
    integer(1, 100_000),
  ),
  v(
    'GRANT_RATE',
    'grantRatePerMin',
    '3000',
    'grants presented in grants frames per Session ID per minute: the signature-verification budget (RATE_LIMITED, ref "grants"; 0 = off)',
    integer(0),
  ),
  v(
    'GRANT_RATE_IP',
    'grantRateIpPerMin',
    '12000',
    'grants presented in grants frames per client address per minute (RATE_LIMITED; 0 = off)',
    integer(0),
  ),
  v('GRANTS_FRAME_RATE', 'grantFramesPerMin', '30', 'grants frames per connection per minute (RATE_LIMITED; 0 = off)', integer(0)),
  v(
    'PRIVACY_RATE',
    'privacyRatePerMin',
    '20',
    'privacy toggles per Session ID per minute; each reaches every watcher (RATE_LIMITED, ref "privacy"; 0 = off)',
    integer(0),
  ),
  v(
    'MAILBOX_SENDER_SHARE',
    'mailboxSenderShare',
    '25',
    "percent of a recipient's mailbox (entries and bytes) one sender may fill; beyond it that sender gets MAILBOX_FULL and the rest stays open to others (100 = no share limit)",
    integer(1, 100),
  ),
  v(
    'MAX_PENDING_INVITES_PER_ADDRESS',
    'maxPendingInvitesPerAddress',
    '5',
    'pending invitations to one recipient sent from one client address (INVITE_LIMIT)',
    integer(1),
  ),
  v(
    'MAX_PENDING_INVITES_FROM_NEW',
    'maxPendingInvitesFromNew',
    '10',
    'pending invitations to one recipient from Session IDs first seen less than NEW_IDENTITY_AGE ago (INVITE_LIMIT)',
    integer(1),
  ),
  v(
    'NEW_IDENTITY_AGE',
    'newIdentityAgeMs',
    '24h',
    'how long after the server first sees a Session ID it counts as new for MAX_PENDING_INVITES_FROM_NEW',
    duration(0, 365 * DAY),
  ),
  v(
    'TRUST_PROXY',
    'trustProxy',
    '0',
    'reverse proxies in front of the server: the client address is the one that many hops from the right of X-Forwarded-For, and X-Forwarded-Proto is believed (0 = use the socket address)',
    proxyHops,
  ),
  v(
    'HSTS_MAX_AGE',
    'hstsMaxAgeMs',
    '365d',
    'Strict-Transport-Security max-age, sent when a trusted proxy says the request came over https (X-Forwarded-Proto); 0 = never',
    duration(0, 2 * 365 * DAY),
  ),
  v(
    'ALLOWED_ORIGINS',
    'allowedOrigins',
    '',
    'comma list of browser origins allowed to open /ws; empty = same origin as Host; * = any. Requests without Origin (non-browser clients) are allowed',
    origins,
  ),
  v(
    'PUBLIC_ORIGINS',
    'publicOrigins',
    '',
    'comma list of the origins clients dial (wss://chat.example.com; http(s) is read as ws(s)); an auth signed for any other origin is refused (AUTH_ORIGIN_MISMATCH, 4411). Empty: ws:// on the listening address and localhost/127.0.0.1/[::1] at the bound port, which suits one machine only; required with TRUST_PROXY',
    publicOrigins,
  ),
  v(
    'REDIS_URL',
    'redisUrl',
    '',
    'Redis for several instances behind a load balancer: mailboxes, invitations, presence and limits in Redis, envelopes between instances over pub/sub (docs/operations.md). Unset: in-memory, one process. Unreachable at start-up: exit 1',
    redisUrl,
  ),
  v(
    'REDIS_KEY_PREFIX',
    'redisKeyPrefix',
    'sm:',
    'prefix of every Redis key and channel; instances with the same Redis and prefix form one relay',
    keyPrefix,
  ),
  v(
    'REDIS_ID_SECRET',
    'redisIdSecret',
    '',
    'required with REDIS_URL: secret (≥ 16 characters, e.g. `openssl rand -hex 32`) keying the hash that replaces Session IDs in Redis key and channel names; every instance on one prefix needs the same one, and changing it orphans what Redis holds',
    idSecret,
  ),
  v(
    'REDIS_PUBSUB',
    'redisPubSub',
    'auto',
    'auto|sharded|classic: sharded pub/sub (SSUBSCRIBE, Redis ≥ 7) or classic (SUBSCRIBE); auto picks by server version',
    pubSub,
  ),
  v(
    'INSTANCE_TTL',
    'instanceTtlMs',
    '15s',
    'with Redis: an instance that stopped its heartbeat (crashed) this long ago is taken for dead and its identities are told offline; heartbeat every third of it',
    duration(1000, 600_000),
  ),
  // Account document and grant lifecycle (docs/protocol.md "Account document")
  v(
    'ACCOUNT_MAX_BYTES',
    'accountMaxBytes',
    '262144',
    'largest encrypted account document kept per Session ID (ACCOUNT_TOO_LARGE)',
    integer(4096, 16 * 1024 * 1024),
  ),
  v(
    'ACCOUNT_TTL',
    'accountTtlMs',
    '400d',
    'how long an account document is kept after its identity last authenticated',
    duration(DAY, 3650 * DAY),
  ),
  v(
    'ACCOUNT_RATE',
    'accountRatePerMin',
    '60',
    'account_get and account_put uploads per Session ID per minute, all devices together (RATE_LIMITED; 0 = off)',
    integer(0),
  ),
  v(
    'GRANT_MAX_SKEW',
    'grantMaxSkewMs',
    '10m',
    'how far in the future a grant may be issued (a granter clock running ahead); later ones are refused (GRANT_NOT_YET_VALID)',
    duration(0, DAY),
  ),
  v('LOG_LEVEL', 'logLevel', 'info', 'debug|info|warn|error', logLevel),
  v(
    'VERIFY_THREADS',
    'verifyThreads',
    '1',
    'worker threads that verify auth and grant signatures in batches off the event loop (docs/performance.md); 0 = on the main thread',
    integer(0, 64),
  ),
  v('STATIC_DIR', 'staticDir', 'dist/web', 'directory of the built PWA served on every other path', text),
  v(
    'METRICS_PORT',
    'metricsPort',
    '',
    '/metrics (Prometheus) on its own listener at 127.0.0.1:PORT (0 = any free port); unset = no such listener',
    optionalPort,
  ),
  v(
    'METRICS_TOKEN',
    'metricsToken',
    '',
    'bearer token (16+ characters) that opens /metrics on the public port (Authorization: Bearer …); unset = /metrics answers 404 there',
    token,
  ),
  // ---- attachments (docs/operations.md "Attachments") ----
  v(
    'ATTACHMENT_MAX_BYTES',
    'attachmentMaxBytes',
    '26214400',
    'largest encrypted attachment in bytes (BLOB_TOO_LARGE)',
    integer(1024, 4 * 1024 ** 3),
  ),
  v(
    'BLOB_QUOTA_BYTES',
    'blobQuotaBytes',
    '268435456',
    'bytes of unexpired attachments one Session ID may have stored (BLOB_QUOTA)',
    integer(1024),
  ),
  v('BLOB_TTL', 'blobTtlMs', '', 'how long an attachment is kept; empty = MAILBOX_TTL', optional(duration(1000, 365 * DAY))),
  v('BLOB_DIR', 'blobDir', 'data/blobs', 'directory of the attachment store (one instance); created on the first upload', text),
  v(
    'BLOB_SECRET',
    'blobSecret',
    '',
    '64 hex characters keying blob tokens and owner tags; the same on every instance. Empty = random at each start (tokens and quotas reset on restart)',
    optional(hexKey),
  ),
  v(
    'BLOB_S3_BUCKET',
    'blobS3Bucket',
    '',
    'S3-compatible bucket for attachments (several instances); empty = BLOB_DIR. Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY',
    optional(text),
  ),
  v(
    'BLOB_S3_ENDPOINT',
    'blobS3Endpoint',
    '',
    'S3 endpoint URL for MinIO, R2 and the like (path-style addressing); empty = AWS',
    optional(text),
  ),
  v('BLOB_S3_REGION', 'blobS3Region', 'us-east-1', 'S3 region', text),
  v('BLOB_S3_PREFIX', 'blobS3Prefix', 'blobs/', 'key prefix of every object in the bucket', keyPrefixS3),
  v(
    'TLS_CERT',
    'tlsCert',
    '',
    'PEM certificate (chain) file; with TLS_KEY the server speaks https and wss itself (README "Try it on your phone"). Unset: plain http, for use behind a TLS proxy',
    optionalPath,
  ),
  v('TLS_KEY', 'tlsKey', '', 'PEM private key file of TLS_CERT', optionalPath),
  // ---- Web Push (docs/operations.md "Web Push") ----
  v(
    'VAPID_PUBLIC_KEY',
    'vapidPublicKey',
    '',
    'Web Push VAPID public key (base64url). Set with VAPID_PRIVATE_KEY, the same on every instance; unset: generated into VAPID_KEY_FILE at first start (one instance), or push is off (Redis without a key file)',
    base64url,
  ),
  v(
    'VAPID_PRIVATE_KEY',
    'vapidPrivateKey',
    '',
    'Web Push VAPID private key (base64url); a secret: whoever holds it can push to every subscribed device',
    base64url,
  ),
  v(
    'VAPID_SUBJECT',
    'vapidSubject',
    'mailto:postmaster@localhost',
    'VAPID contact (mailto: or https:) push services use to reach the operator; Apple refuses localhost ones',
    vapidSubject,
  ),
  v(
    'VAPID_KEY_FILE',
    'vapidKeyFile',
    'data/vapid.json',
    'where a generated VAPID key pair is kept (mode 0600) when none is configured. With REDIS_URL it is used only when set explicitly (a file every instance shares); "" = never generate',
    optionalText,
  ),
  v('PUSH_TTL', 'pushTtlMs', '24h', 'TTL of a push: how long a push service keeps it for a device that is off', duration(0, 28 * DAY)),
  v(
    'PUSH_COALESCE',
    'pushCoalesceMs',
    '10s',
    'at most one push per device per this interval; entries landing in between are merged into the next push',
    duration(0, DAY),
  ),
  v(
    'PUSH_QUEUE',
    'pushQueueMax',
    '10000',
    'devices waiting for a push per instance; beyond it pushes are dropped (push_sends_total{outcome="queue_full"})',
    integer(1),
  ),
  v('PUSH_CONCURRENCY', 'pushConcurrency', '32', 'pushes in flight per instance', integer(1, 1000)),
  v('PUSH_TIMEOUT', 'pushTimeoutMs', '10s', 'time a push service has to answer one push', duration(100, 120_000)),
  v(
    'PUSH_ALLOW_PRIVATE',
    'pushAllowPrivate',
    'false',
    'TESTS ONLY: accept http:// push endpoints and loopback/private addresses (a local test push service). Never in production: it lets any client make the server call internal addresses',
    flag,
  ),
];

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
