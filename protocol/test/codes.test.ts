import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, isErrorCode, protocolError } from '../index.ts';

describe('error table', () => {
  it('gives every error its own close code', () => {
    const closes = Object.values(ERRORS).map((e) => e.close);
    expect(new Set(closes).size).toBe(closes.length);
    for (const c of closes) expect(c === 1001 || c === 1011 || (c >= 4000 && c <= 4999)).toBe(true);
  });

  it('is documented row for row in docs/protocol.md', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      expect(row, `docs/protocol.md has no row for ${code}`).toBeDefined();
      expect(row).toContain(`| ${spec.close} |`);
      expect(row).toContain(spec.fatal ? '| yes |' : '| no |');
    }
  });

  it('builds errors through one factory', () => {
    const e = protocolError('RATE_LIMITED', 'invites', 1500);
    expect(e.code).toBe('RATE_LIMITED');
    expect(e.close).toBe(4429);
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(1500);
    expect(e.message).toMatch(/rate limit.*invites/);
    expect(isErrorCode('NOPE')).toBe(false);
  });
});
