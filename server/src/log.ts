// Structured JSON lines. The relay must not become the place where metadata leaks: at info level and
// above no Session ID appears, not even a prefix (a 24-bit prefix with a contact count singles a
// person out), and ciphertext fields are never written at all (call sites pass none; this is the net
// under them). Client addresses are logged at debug only, on lines without a connection id, so they
// cannot be joined to anything about an identity.
import { LOG_LEVELS, type LogLevel } from './config.ts';

export type LogFields = Record<string, string | number | boolean | null | undefined>;
export type LogSink = (line: string) => void;

export interface Logger {
  readonly level: LogLevel;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  enabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const SESSION_ID_ANYWHERE = /05[0-9a-f]{64}/g;
/** Field names whose values are never logged, whatever the level. */
const SECRET_FIELDS = new Set(['ct', 'content', 'body', 'displayName', 'message_ct', 'signature', 'sig']);

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

function clean(value: string, redactIds: boolean): string {
  return redactIds ? value.replace(SESSION_ID_ANYWHERE, '[session-id]') : value;
}

export function createLogger(level: LogLevel = 'info', sink: LogSink = stdoutSink, clock: () => number = Date.now): Logger {
  if (!LOG_LEVELS.includes(level)) throw new TypeError(`log level: expected ${LOG_LEVELS.join('|')}, got ${String(level)}`);
  const min = RANK[level];
  const write = (lvl: LogLevel, event: string, fields?: LogFields): void => {
    if (RANK[lvl] < min) return;
    const redactIds = RANK[lvl] >= RANK.info;
    const out: Record<string, unknown> = { t: new Date(clock()).toISOString(), level: lvl, event: clean(event, redactIds) };
    if (fields) {
      for (const k of Object.keys(fields)) {
        const val = fields[k];
        if (val === undefined) continue;
        if (SECRET_FIELDS.has(k)) out[k] = '[redacted]';
        else out[k] = typeof val === 'string' ? clean(val, redactIds) : val;
      }
    }
    try {
      sink(JSON.stringify(out));
    } catch {
      // A broken sink must not take the relay down with it.
    }
  };
  return {
    level,
    debug: (e, f) => write('debug', e, f),
    info: (e, f) => write('info', e, f),
    warn: (e, f) => write('warn', e, f),
    error: (e, f) => write('error', e, f),
    enabled: (lvl) => RANK[lvl] >= min,
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export function silentLogger(): Logger {
  return createLogger('error', () => {});
}
