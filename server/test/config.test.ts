import { describe, expect, it } from 'vitest';
import { CONFIG_VARS, ConfigError, defaultConfig, idleTimeoutSeconds, loadConfig, parseDuration } from '../src/config.ts';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

/** A refused secret (or a value that may hold one) is named by its variable, never repeated. */
function refusedWithoutEcho(env: Record<string, string>, variable: string, secret: string): ConfigError {
  const e = errorOf(env);
  expect(e.variable).toBe(variable);
  expect(e.message).not.toContain(secret);
  return e;
}

describe('config', () => {
  it('has the documented defaults', () => {
    // Core variables; each feature's own (TLS, push, …) are checked by its own tests.
    expect(defaultConfig()).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      heartbeatMs: 30_000,
      authTimeoutMs: 10_000,
      invitationTtlMs: 24 * 3600_000,
      mailboxTtlMs: 7 * 24 * 3600_000,
      presenceDebounceMs: 3000,
      maxConnections: 100_000,
      maxDevicesPerId: 10,
      maxFrameBytes: 65_536,
      mailboxMaxEntries: 10_000,
      mailboxMaxBytes: 33_554_432,
      maxPendingInvites: 50,
      inviteRatePerHour: 20,
      maxGrants: 1000,
      maxPresenceSubs: 1000,
      sendRatePerMin: 1200,
      sendRateIpPerMin: 12_000,
      inviteRateIpPerHour: 100,
      presenceRatePerMin: 3000,
      presenceRateIpPerMin: 30_000,
      authRateIpPerMin: 600,
      maxConnectionsPerIp: 1024,
      maxUnauthPerIp: 64,
      revokeRatePerMin: 300,
      revokeRateIpPerMin: 600,
      maxRevocations: 1000,
      grantRatePerMin: 3000,
      grantRateIpPerMin: 12_000,
      grantFramesPerMin: 30,
      privacyRatePerMin: 20,
      mailboxSenderShare: 25,
      maxPendingInvitesPerAddress: 5,
      maxPendingInvitesFromNew: 10,
      newIdentityAgeMs: 86_400_000,
      trustProxy: 0,
      hstsMaxAgeMs: 365 * 86_400_000,
      allowedOrigins: [],
      publicOrigins: [],
      metricsPort: undefined,
      metricsToken: undefined,
      redisUrl: undefined,
      redisKeyPrefix: 'sm:',
      redisIdSecret: undefined,
      redisPubSub: 'auto',
      instanceTtlMs: 15_000,
      logLevel: 'info',
      staticDir: 'dist/web',
      verifyThreads: 1,
      vapidPublicKey: undefined,
      vapidPrivateKey: undefined,
      vapidSubject: 'mailto:postmaster@localhost',
      vapidKeyFile: 'data/vapid.json',
      pushTtlMs: 86_400_000,
      pushCoalesceMs: 10_000,
      pushQueueMax: 10_000,
      pushConcurrency: 32,
      pushTimeoutMs: 10_000,
      pushAllowPrivate: false,
      accountMaxBytes: 262_144,
      accountTtlMs: 400 * 86_400_000,
      accountRatePerMin: 60,
      grantMaxSkewMs: 600_000,
    });
    expect(loadConfig({})).toEqual(defaultConfig());
  });

  it('documents every Config field exactly once', () => {
    const keys = CONFIG_VARS.map((v) => v.key).sort();
    expect(keys).toEqual(Object.keys(defaultConfig()).sort());
    for (const v of CONFIG_VARS) {
      expect(v.name).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(v.description.length).toBeGreaterThan(5);
    }
  });

  it('parses durations in every unit', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('1500')).toBe(1500);
    for (const bad of ['', 's', '1.5s', '-1s', '10 s', '1w', 'abc', '5mm']) expect(parseDuration(bad)).toBeUndefined();
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      HEARTBEAT_INTERVAL: '20s',
      AUTH_TIMEOUT: '500ms',
      INVITATION_TTL: '2h',
      MAILBOX_TTL: '3d',
      PRESENCE_DEBOUNCE: '0',
      MAX_CONNECTIONS: '5',
      MAX_DEVICES_PER_ID: '3',
      MAX_FRAME_BYTES: '8192',
      MAILBOX_MAX_ENTRIES: '7',
      MAILBOX_MAX_BYTES: '4096',
      MAX_PENDING_INVITES: '4',
      INVITE_RATE: '6',
      MAX_GRANTS: '9',
      MAX_PRESENCE_SUBS: '11',
      SEND_RATE: '12',
      SEND_RATE_IP: '0',
      INVITE_RATE_IP: '13',
      PRESENCE_RATE: '14',
      PRESENCE_RATE_IP: '15',
      AUTH_RATE_IP: '16',
      REVOKE_RATE: '17',
      REVOKE_RATE_IP: '18',
      MAX_REVOCATIONS: '19',
      GRANT_RATE: '20',
      GRANT_RATE_IP: '21',
      GRANTS_FRAME_RATE: '22',
      PRIVACY_RATE: '23',
      MAILBOX_SENDER_SHARE: '24',
      MAX_PENDING_INVITES_PER_ADDRESS: '25',
      MAX_PENDING_INVITES_FROM_NEW: '26',
      NEW_IDENTITY_AGE: '27h',
      TRUST_PROXY: '2',
      HSTS_MAX_AGE: '0',
      ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:5173/',
      PUBLIC_ORIGINS: 'https://Chat.Example.com:443, ws://10.0.0.1:8080/ws',
      MAX_CONNECTIONS_PER_IP: '30',
      MAX_UNAUTH_PER_IP: '3',
      METRICS_PORT: '9100',
      METRICS_TOKEN: 'a-long-enough-token',
      REDIS_URL: 'redis://localhost:6379/0',
      REDIS_KEY_PREFIX: 'chat:eu-1:',
      REDIS_ID_SECRET: 'a-secret-of-sixteen+',
      REDIS_PUBSUB: 'Classic',
      INSTANCE_TTL: '30s',
      LOG_LEVEL: 'DEBUG',
      STATIC_DIR: './public',
      VERIFY_THREADS: '3',
      VAPID_PUBLIC_KEY: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
      VAPID_PRIVATE_KEY: 'tBHItJI5svbpez7KI4CCXgtBHItJI5svbpez7KI4CCX',
      VAPID_SUBJECT: 'mailto:ops@chat.example.com',
      VAPID_KEY_FILE: '/var/lib/sm/vapid.json',
      PUSH_TTL: '1h',
      PUSH_COALESCE: '0',
      PUSH_QUEUE: '17',
      PUSH_CONCURRENCY: '2',
      PUSH_TIMEOUT: '3s',
      PUSH_ALLOW_PRIVATE: 'true',
      ACCOUNT_MAX_BYTES: '65536',
      ACCOUNT_TTL: '30d',
      ACCOUNT_RATE: '0',
      GRANT_MAX_SKEW: '1m',
    });
    // Each feature's own variables are checked by its own tests; these are the core ones.
    expect(c).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      heartbeatMs: 20_000,
      authTimeoutMs: 500,
      invitationTtlMs: 7_200_000,
      mailboxTtlMs: 3 * 86_400_000,
      presenceDebounceMs: 0,
      maxConnections: 5,
      maxDevicesPerId: 3,
      maxFrameBytes: 8192,
      mailboxMaxEntries: 7,
      mailboxMaxBytes: 4096,
      maxPendingInvites: 4,
      inviteRatePerHour: 6,
      maxGrants: 9,
      maxPresenceSubs: 11,
      sendRatePerMin: 12,
      sendRateIpPerMin: 0,
      inviteRateIpPerHour: 13,
      presenceRatePerMin: 14,
      presenceRateIpPerMin: 15,
      authRateIpPerMin: 16,
      revokeRatePerMin: 17,
      revokeRateIpPerMin: 18,
      maxRevocations: 19,
      grantRatePerMin: 20,
      grantRateIpPerMin: 21,
      grantFramesPerMin: 22,
      privacyRatePerMin: 23,
      mailboxSenderShare: 24,
      maxPendingInvitesPerAddress: 25,
      maxPendingInvitesFromNew: 26,
      newIdentityAgeMs: 27 * 3_600_000,
      trustProxy: 2,
      hstsMaxAgeMs: 0,
      allowedOrigins: ['https://chat.example.com', 'http://localhost:5173'],
      publicOrigins: ['wss://chat.example.com', 'ws://10.0.0.1:8080'],
      maxConnectionsPerIp: 30,
      maxUnauthPerIp: 3,
      metricsPort: 9100,
      metricsToken: 'a-long-enough-token',
      redisUrl: 'redis://localhost:6379/0',
      redisKeyPrefix: 'chat:eu-1:',
      redisIdSecret: 'a-secret-of-sixteen+',
      redisPubSub: 'classic',
      instanceTtlMs: 30_000,
      logLevel: 'debug',
      staticDir: './public',
      verifyThreads: 3,
      vapidPublicKey: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM',
      vapidPrivateKey: 'tBHItJI5svbpez7KI4CCXgtBHItJI5svbpez7KI4CCX',
      vapidSubject: 'mailto:ops@chat.example.com',
      vapidKeyFile: '/var/lib/sm/vapid.json',
      pushTtlMs: 3_600_000,
      pushCoalesceMs: 0,
      pushQueueMax: 17,
      pushConcurrency: 2,
      pushTimeoutMs: 3000,
      pushAllowPrivate: true,
      accountMaxBytes: 65_536,
      accountTtlMs: 30 * 86_400_000,
      accountRatePerMin: 0,
      grantMaxSkewMs: 60_000,
    });
    expect(loadConfig({ ALLOWED_ORIGINS: '*' }).allowedOrigins).toEqual(['*']);
    expect(loadConfig({ REDIS_URL: '' }).redisUrl).toBeUndefined();
    // Redis keys are named by a keyed hash of Session IDs: no Redis without its key, and a clear word why.
    const missing = errorOf({ REDIS_URL: 'redis://localhost:6379/0' });
    expect(missing.variable).toBe('REDIS_ID_SECRET');
    expect(missing.message).toMatch(/REDIS_ID_SECRET is required when REDIS_URL is set/);
    refusedWithoutEcho({ REDIS_URL: 'redis://localhost:6379/0', REDIS_ID_SECRET: 'tooshort' }, 'REDIS_ID_SECRET', 'tooshort');
    expect(loadConfig({ TRUST_PROXY: 'true', PUBLIC_ORIGINS: 'wss://a.example' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: 'false' }).trustProxy).toBe(0);
  });

  const bad: [string, string][] = [
    ['VAPID_SUBJECT', 'admin@example.com'],
    ['PUSH_ALLOW_PRIVATE', 'yes'],
    ['PUSH_CONCURRENCY', '0'],
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['HOST', '  '],
    ['HEARTBEAT_INTERVAL', '30 seconds'],
    ['HEARTBEAT_INTERVAL', '10ms'],
    ['AUTH_TIMEOUT', '-1'],
    ['INVITATION_TTL', '1y'],
    ['MAILBOX_TTL', 'forever'],
    ['PRESENCE_DEBOUNCE', '3.5s'],
    ['MAX_CONNECTIONS', '0'],
    ['MAX_DEVICES_PER_ID', 'ten'],
    ['MAX_FRAME_BYTES', '100'],
    ['MAILBOX_MAX_ENTRIES', '1e4'],
    ['MAILBOX_MAX_BYTES', '-5'],
    ['MAX_PENDING_INVITES', ''],
    ['INVITE_RATE', '0'],
    ['MAX_GRANTS', '5000'],
    ['MAX_PRESENCE_SUBS', 'many'],
    ['SEND_RATE', '-1'],
    ['AUTH_RATE_IP', 'lots'],
    ['TRUST_PROXY', 'yes'],
    ['TRUST_PROXY', '11'],
    ['HSTS_MAX_AGE', '3y'],
    ['ALLOWED_ORIGINS', 'chat.example.com'],
    ['ALLOWED_ORIGINS', 'https://chat.example.com/app'],
    ['ALLOWED_ORIGINS', 'ftp://files.example.com'],
    ['REDIS_KEY_PREFIX', 'sm:{x}:'],
    ['REDIS_KEY_PREFIX', ''],
    ['REDIS_PUBSUB', 'cluster'],
    ['INSTANCE_TTL', '100ms'],
    ['LOG_LEVEL', 'verbose'],
    ['STATIC_DIR', ''],
    ['VERIFY_THREADS', '-1'],
    ['PUBLIC_ORIGINS', 'chat.example.com'],
    ['PUBLIC_ORIGINS', 'wss://chat.example.com/app'],
    ['MAX_CONNECTIONS_PER_IP', '0'],
    ['MAX_UNAUTH_PER_IP', 'x'],
    ['METRICS_PORT', '70000'],
  ];
  for (const [name, value] of bad) {
    it(`rejects ${name}=${JSON.stringify(value)}, naming the variable, the value and what was expected`, () => {
      const e = errorOf({ [name]: value });
      expect(e.variable).toBe(name);
      expect(e.message).toContain(name);
      expect(e.message).toContain(JSON.stringify(value.length > 80 ? value.slice(0, 80) : value));
      expect(e.message).toMatch(/expected/);
    });
  }

  it('never echoes a VAPID private key', () => {
    refusedWithoutEcho({ VAPID_PRIVATE_KEY: 'sEcReT!not-base64' }, 'VAPID_PRIVATE_KEY', 'sEcReT');
  });

  it('requires PUBLIC_ORIGINS behind a proxy, and never echoes METRICS_TOKEN', () => {
    const e = errorOf({ TRUST_PROXY: '1' });
    expect(e.variable).toBe('PUBLIC_ORIGINS');
    expect(loadConfig({ TRUST_PROXY: '1', PUBLIC_ORIGINS: 'wss://chat.example.com' }).publicOrigins).toEqual(['wss://chat.example.com']);
    refusedWithoutEcho({ METRICS_TOKEN: 'short secret' }, 'METRICS_TOKEN', 'short secret');
  });

  it('never echoes a Redis URL, which may hold a password', () => {
    const e = refusedWithoutEcho({ REDIS_URL: 'http://user:s3cret@host' }, 'REDIS_URL', 's3cret');
    expect(e.message).toMatch(/expected redis:\/\//);
  });

  it('derives the idle timeout from the heartbeat: 1.5x, 4 s granularity, at least 8 s', () => {
    expect(idleTimeoutSeconds(30_000)).toBe(48);
    expect(idleTimeoutSeconds(1000)).toBe(8);
    expect(idleTimeoutSeconds(10_000)).toBe(16);
    expect(idleTimeoutSeconds(600_000)).toBe(900);
  });
});
