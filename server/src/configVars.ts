// The core variables of CONFIG_VARS (config.ts): listening, timings, limits, proxies, Redis, logs.
import type { Config } from './config.ts';
import {
  publicOrigins,
  duration,
  idSecret,
  integer,
  keyPrefix,
  origins,
  type Parser,
  proxyHops,
  pubSub,
  redisUrl,
  text,
} from './configParsers.ts';

export interface ConfigVar {
  readonly name: string;
  readonly key: keyof Config;
  /** The default as it would be written in the environment ("" = unset). */
  readonly default: string;
  readonly description: string;
  readonly parse: Parser<Config[keyof Config]>;
}

export function v<K extends keyof Config>(name: string, key: K, def: string, description: string, parse: Parser<Config[K]>): ConfigVar {
  return { name, key, default: def, description, parse };
}

export const DAY = 86_400_000;

/** Core variables, in README order. */
export const CORE_VARS: readonly ConfigVar[] = [
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
];
