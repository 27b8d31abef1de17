import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';

const SID = '05' + 'ab'.repeat(32);

describe('log', () => {
  it('writes one JSON object per line with level and event, and filters by level', () => {
    const lines: string[] = [];
    const log = createLogger(
      'info',
      (l) => lines.push(l),
      () => 0,
    );
    log.debug('hidden', { a: 1 });
    log.info('shown', { a: 1, b: 'x', c: true, d: undefined });
    log.error('bad');
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { t: '1970-01-01T00:00:00.000Z', level: 'info', event: 'shown', a: 1, b: 'x', c: true },
      { t: '1970-01-01T00:00:00.000Z', level: 'error', event: 'bad' },
    ]);
    expect(log.enabled('debug')).toBe(false);
    expect(log.enabled('warn')).toBe(true);
  });

  it('removes whole Session IDs at info and above, not even a prefix left; keeps them at debug', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.debug('d', { sid: SID });
    log.info('i', { sid: SID, note: `to ${SID} and back` });
    log.warn('w', { sid: SID });
    expect(lines[0]).toContain(SID);
    for (const l of lines.slice(1)) {
      expect(l).not.toContain(SID);
      expect(l).not.toContain(SID.slice(2, 8));
      expect(l).toContain('[session-id]');
    }
  });

  it('never writes ciphertext fields, at any level', () => {
    const lines: string[] = [];
    const log = createLogger('debug', (l) => lines.push(l));
    log.debug('d', { ct: 'c2VjcmV0', content: 'hello', displayName: 'Alice' });
    expect(lines[0]).not.toMatch(/c2VjcmV0|hello|Alice/);
    expect(JSON.parse(lines[0]!).ct).toBe('[redacted]');
  });

  it('survives a sink that throws', () => {
    const log = createLogger('info', () => {
      throw new Error('disk full');
    });
    expect(() => log.info('x')).not.toThrow();
  });
});
