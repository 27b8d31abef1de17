// Small helpers every Redis store module shares.

/** A TTL Redis accepts: a whole number of milliseconds, at least 1. */
export function ms(n: number): number {
  return Math.max(1, Math.ceil(n));
}

export function positive(name: string, n: number): number {
  if (!(n > 0) || !Number.isFinite(n)) throw new RangeError(`${name}: expected a positive number, got ${n}`);
  return n;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}

/** The URL as logs may show it: a password is never written. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
