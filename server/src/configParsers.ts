// Parsers of configuration values: each names the variable, the value and what was expected when
// it refuses one (docs: README "Configuration").
import { normaliseOrigin } from '../../protocol/origin.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type RedisPubSub = 'auto' | 'sharded' | 'classic';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(message);
    this.name = 'ConfigError';
    this.variable = variable;
  }

  static invalid(variable: string, value: string, expected: string): ConfigError {
    const shown = value.length > 80 ? `${value.slice(0, 80)}…` : value;
    return new ConfigError(variable, `${variable}=${JSON.stringify(shown)} is invalid: expected ${expected}`);
  }
}

export const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** "500ms", "30s", "5m", "24h", "7d" or plain milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d{1,12})(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]) * UNITS[m[2] ?? 'ms']!;
  return Number.isSafeInteger(n) ? n : undefined;
}

export type Parser<T> = (raw: string, name: string) => T;

export function duration(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const ms = parseDuration(raw);
    if (ms === undefined || ms < min || ms > max) {
      throw ConfigError.invalid(
        name,
        raw,
        `a duration from ${fmtMs(min)} to ${fmtMs(max)} such as 500ms, 30s, 5m, 24h, 7d or plain milliseconds`,
      );
    }
    return ms;
  };
}

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): Parser<number> {
  return (raw, name) => {
    const t = raw.trim();
    const n = /^\d{1,16}$/.test(t) ? Number(t) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) throw ConfigError.invalid(name, raw, `an integer from ${min} to ${max}`);
    return n;
  };
}

export function fmtMs(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

export const text: Parser<string> = (raw, name) => {
  const t = raw.trim();
  if (t.length === 0) throw ConfigError.invalid(name, raw, 'a non-empty value');
  return t;
};

export const logLevel: Parser<LogLevel> = (raw, name) => {
  const t = raw.trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(t)) throw ConfigError.invalid(name, raw, `one of ${LOG_LEVELS.join('|')}`);
  return t as LogLevel;
};

export const origins: Parser<string[]> = (raw, name) => {
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const o = part.trim();
    if (o === '') continue;
    if (o === '*') {
      out.push('*');
      continue;
    }
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    const bare = url && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
    if (!url || !bare || !/^https?:$/.test(url.protocol)) {
      throw ConfigError.invalid(
        name,
        raw,
        `a comma-separated list of origins such as https://chat.example.com (scheme, host, optional port; no path) or *; ${JSON.stringify(o)} is not one`,
      );
    }
    out.push(url.origin);
  }
  return out;
};

/** How many proxies to trust: an integer, or true (= 1) / false (= 0). */
export const proxyHops: Parser<number> = (raw, name) => {
  const t = raw.trim().toLowerCase();
  if (t === 'true') return 1;
  if (t === 'false') return 0;
  return integer(0, 10)(raw, name);
};

export const redisUrl: Parser<string | undefined> = (raw, name) => {
  const t = raw.trim();
  if (t === '') return undefined;
  if (!/^rediss?:\/\/\S+$/.test(t)) {
    // Never echo the value: a Redis URL may carry a password.
    throw new ConfigError(name, `${name} is invalid: expected redis://[user:password@]host[:port][/db] or rediss://…`);
  }
  return t;
};

export const optionalPath: Parser<string | undefined> = (raw) => {
  const t = raw.trim();
  return t === '' ? undefined : t;
};

export const keyPrefix: Parser<string> = (raw, name) => {
  const t = raw.trim();
  // Printable, no spaces or braces (braces are the hash tags of the per-identity keys).
  if (!/^[A-Za-z0-9:._-]{1,64}$/.test(t)) throw ConfigError.invalid(name, raw, '1 to 64 characters from A-Z a-z 0-9 : . _ -');
  return t;
};

export const idSecret: Parser<string | undefined> = (raw, name) => {
  const t = raw.trim();
  if (t === '') return undefined;
  // Never echo the value: it is a secret.
  if (t.length < 16) throw new ConfigError(name, `${name} is invalid: expected at least 16 characters (e.g. openssl rand -hex 32)`);
  return t;
};

export const pubSub: Parser<RedisPubSub> = (raw, name) => {
  const t = raw.trim().toLowerCase();
  if (t !== 'auto' && t !== 'sharded' && t !== 'classic') throw ConfigError.invalid(name, raw, 'one of auto|sharded|classic');
  return t;
};

/** Empty = undefined, else the inner parser. */
export function optional<T>(inner: Parser<T>): Parser<T | undefined> {
  return (raw, name) => (raw.trim() === '' ? undefined : inner(raw, name));
}

export const hexKey: Parser<string> = (raw, name) => {
  const t = raw.trim().toLowerCase();
  // Never echo the value: it is a secret.
  if (!/^[0-9a-f]{64}$/.test(t)) throw new ConfigError(name, `${name} is invalid: expected 64 hex characters (32 random bytes)`);
  return t;
};

export const keyPrefixS3: Parser<string> = (raw, name) => {
  const t = raw.trim();
  if (!/^[A-Za-z0-9._/-]{0,64}$/.test(t)) throw ConfigError.invalid(name, raw, 'up to 64 characters from A-Z a-z 0-9 . _ / -');
  return t;
};

export const base64url: Parser<string | undefined> = (raw, name) => {
  const t = raw.trim();
  if (t === '') return undefined;
  if (!/^[A-Za-z0-9_-]{20,100}={0,2}$/.test(t))
    throw new ConfigError(name, `${name} is invalid: expected a base64url key such as web-push generate-vapid-keys prints`);
  return t;
};

export const vapidSubject: Parser<string> = (raw, name) => {
  const t = raw.trim();
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(t))
    throw ConfigError.invalid(name, raw, 'a mailto: address or an https: URL where a push service can reach the operator');
  return t;
};

export const optionalText: Parser<string> = (raw) => raw.trim();

export const flag: Parser<boolean> = (raw, name) => {
  const t = raw.trim().toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0' || t === '') return false;
  throw ConfigError.invalid(name, raw, 'true or false');
};

/** Where clients dial this server, as ws(s)/http(s) origins, normalised to ws(s)://host[:port]. */
export const publicOrigins: Parser<string[]> = (raw, name) => {
  const out: string[] = [];
  for (const part of raw.split(',')) {
    const o = part.trim();
    if (o === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    const bare =
      url &&
      (url.pathname === '/' || url.pathname === '/ws') &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      url.password === '';
    if (!url || !bare || !/^(wss?|https?):$/.test(url.protocol)) {
      throw ConfigError.invalid(
        name,
        raw,
        `a comma-separated list of origins clients dial, such as wss://chat.example.com or https://chat.example.com:8443 (scheme, host, optional port); ${JSON.stringify(o)} is not one`,
      );
    }
    out.push(normaliseOrigin(o));
  }
  return out;
};

export const optionalPort: Parser<number | undefined> = (raw, name) => (raw.trim() === '' ? undefined : integer(0, 65535)(raw, name));

export const token: Parser<string | undefined> = (raw, name) => {
  const t = raw.trim();
  if (t === '') return undefined;
  // Never echo the value: it is a secret.
  if (!/^[\x21-\x7e]{16,256}$/.test(t))
    throw new ConfigError(name, `${name} is invalid: expected 16 to 256 printable characters without spaces`);
  return t;
};
