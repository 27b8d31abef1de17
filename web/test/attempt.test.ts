// The busy flag and the error sentence every screen action shares (models/_attempt.ts).
import { signal } from '@preact/signals';
import { describe, expect, it } from 'vitest';
import { attempt } from '../src/models/_attempt.ts';

describe('attempt', () => {
  it('is busy while the action runs, and says why it failed instead of throwing', async () => {
    const busy = signal(false);
    const error = signal<string | null>(null);
    let release!: () => void;
    const running = attempt(busy, error, () => new Promise<void>((r) => (release = r)));
    expect(busy.value).toBe(true);
    release();
    expect(await running).toBe(true);
    expect(busy.value).toBe(false);

    expect(await attempt(busy, error, async () => Promise.reject(new Error('the relay is unreachable')))).toBe(false);
    expect(busy.value).toBe(false);
    expect(error.value).toContain('the relay is unreachable');
  });

  it('an action that refuses in its own words returns false and keeps them', async () => {
    const busy = signal(false);
    const error = signal<string | null>(null);
    expect(await attempt(busy, error, async () => ((error.value = 'Wrong passphrase.'), false))).toBe(false);
    expect(error.value).toBe('Wrong passphrase.');
  });
});
