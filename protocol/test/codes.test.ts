import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codesTable, withCodes } from '../../scripts/codesTable.ts';
import { ERRORS, isErrorCode, protocolError } from '../index.ts';

describe('error table', () => {
  it('gives every error its own close code', () => {
    const closes = Object.values(ERRORS).map((e) => e.close);
    expect(new Set(closes).size).toBe(closes.length);
    for (const c of closes) expect(c === 1001 || c === 1011 || (c >= 4000 && c <= 4999)).toBe(true);
  });

  it('is documented row for row in docs/protocol.md (npm run docs:codes writes it)', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    expect(withCodes(doc), 'docs/protocol.md error table is stale: run npm run docs:codes').toBe(doc);
    expect(doc).toContain(codesTable());
    for (const [code, spec] of Object.entries(ERRORS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      expect(row, `docs/protocol.md has no row for ${code}`).toBeDefined();
      expect(row).toContain(`| ${spec.close} |`);
      const yn = (b: boolean): string => (b ? 'yes' : 'no');
      expect(row!.split(' | ').slice(1, 7), `docs/protocol.md row ${code}: close | fatal | retried | counts | stops | final`).toEqual([
        String(spec.close),
        yn(spec.fatal),
        yn(spec.retryable),
        yn(spec.misbehaviour),
        yn(spec.stopsReconnect),
        yn(spec.finalForProof),
      ]);
    }
  });

  it('keeps every per-code rule in the table: no other module names codes in a set of its own', async () => {
    const { readdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const root = new URL('../..', import.meta.url).pathname;
    const walk = (dir: string): string[] =>
      readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.name === 'test' || e.name === 'node_modules'
          ? []
          : e.isDirectory()
            ? walk(join(dir, e.name))
            : /\.tsx?$/.test(e.name)
              ? [join(dir, e.name)]
              : [],
      );
    // A Set or array literal of two or more codes is a rule kept outside the table.
    const codes = Object.keys(ERRORS).join('|');
    const list = new RegExp(`\\[\\s*'(${codes})',\\s*'(${codes})'`);
    const offenders = ['client', 'server/src', 'web/src'].flatMap(walk).filter((f) => list.test(readFileSync(join(root, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('gives the rules that hold by construction', () => {
    for (const [code, s] of Object.entries(ERRORS)) {
      // A client that reconnects after a stop code would be refused forever; one that counts a
      // retryable refusal as misbehaviour would be cut off for the server's own trouble.
      expect(s.stopsReconnect && s.retryable, code).toBe(false);
      expect(s.misbehaviour && s.retryable, code).toBe(false);
      if (s.stopsReconnect) expect(s.fatal, code).toBe(true);
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
