import { describe, expect, it } from 'vitest';
import { formatDay, groupedId, hueSlot, initials, plural, shortId, timeLeft } from '../src/lib/format.ts';

const ID = '05' + 'ab'.repeat(32);

describe('format', () => {
  it('shortens and groups Session IDs', () => {
    expect(shortId(ID)).toBe('05abab…abab');
    expect(groupedId(ID).join('')).toBe(ID);
    expect(groupedId(ID)[0]).toHaveLength(6);
  });

  it('says how long an invitation has left, in words', () => {
    const now = 1_700_000_000_000;
    expect(timeLeft(now + 24 * 3600_000 - 1000, now)).toBe('23 h left');
    expect(timeLeft(now + 45 * 60_000 + 5, now)).toBe('45 min left');
    expect(timeLeft(now + 30_000, now)).toBe('less than a minute left');
    expect(timeLeft(now - 1, now)).toBe('expired');
  });

  it('names days relative to now', () => {
    const now = new Date(2026, 10, 26, 15, 0).getTime();
    expect(formatDay(new Date(2026, 10, 26, 1, 0).getTime(), now)).toBe('Today');
    expect(formatDay(new Date(2026, 10, 25, 23, 0).getTime(), now)).toBe('Yesterday');
    expect(formatDay(new Date(2025, 0, 3).getTime(), now)).toMatch(/2025/);
  });

  it('makes initials from a name, or from the ID when there is none', () => {
    expect(initials('Ada Lovelace', ID)).toBe('AL');
    expect(initials('  bob ', ID)).toBe('B');
    expect(initials(undefined, ID)).toBe('AB');
    // Letters only: punctuation, digits and emoji are not initials.
    expect(initials('A(', ID)).toBe('A');
    expect(initials('(ada) "Lovelace"', ID)).toBe('AL');
    expect(initials('😀 Bob 42', ID)).toBe('B');
    expect(initials('Ölaf Ñoño', ID)).toBe('ÖÑ');
    expect(initials('42 ?!', ID)).toBe('AB');
    expect(hueSlot(ID)).toBe(hueSlot(ID));
    expect(hueSlot(ID)).toBeGreaterThanOrEqual(0);
    expect(hueSlot(ID)).toBeLessThan(8);
    expect(plural(1, 'message')).toBe('1 message');
    expect(plural(3, 'message')).toBe('3 messages');
  });
});
