import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../index.ts';

const opts = { baseMs: 100, maxMs: 5000 };

describe('backoffDelay (full jitter)', () => {
  it('is random() × min(max, base × 2^attempt)', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((a) => backoffDelay(a, opts, top))).toEqual([99, 199, 399, 799, 1599, 3199, 4999, 4999]);
    expect(backoffDelay(3, opts, () => 0.5)).toBe(400);
    expect(backoffDelay(3, opts, () => 0)).toBe(0);
  });

  it('spreads over the whole window rather than clustering at the cap', () => {
    const rs = [0, 0.25, 0.5, 0.75];
    expect(rs.map((r) => backoffDelay(10, opts, () => r))).toEqual([0, 1250, 2500, 3750]);
  });

  it('stays finite for any attempt count', () => {
    expect(backoffDelay(10_000, opts, () => 0.5)).toBe(2500);
  });

  it('uses Math.random by default, within [0, cap)', () => {
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, opts);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(400);
    }
  });

  it('rejects nonsense with a message naming the argument', () => {
    expect(() => backoffDelay(-1, opts)).toThrow(/attempt/);
    expect(() => backoffDelay(1.5, opts)).toThrow(/attempt/);
    expect(() => backoffDelay(0, { baseMs: 0, maxMs: 10 })).toThrow(/baseMs/);
    expect(() => backoffDelay(0, { baseMs: 10, maxMs: 5 })).toThrow(/maxMs/);
    expect(() => backoffDelay(0, opts, () => 1)).toThrow(/random/);
  });
});
