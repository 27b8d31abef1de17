// Enter in the composer: sends with a physical keyboard, breaks the line on a touch-first device.
import { describe, expect, it } from 'vitest';
import { coarsePointer, isSendKey } from '../src/lib/keys.ts';

const key = (k: Partial<Parameters<typeof isSendKey>[0]> = {}) => ({
  key: 'Enter',
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  isComposing: false,
  ...k,
});

describe('isSendKey', () => {
  it('with a fine pointer: Enter sends, Shift+Enter and composing do not', () => {
    expect(isSendKey(key(), false)).toBe(true);
    expect(isSendKey(key({ shiftKey: true }), false)).toBe(false);
    expect(isSendKey(key({ isComposing: true }), false)).toBe(false);
    expect(isSendKey(key({ key: 'a' }), false)).toBe(false);
  });

  it('on a phone (coarse pointer): Enter is a new line, Ctrl/⌘+Enter still sends', () => {
    expect(isSendKey(key(), true)).toBe(false);
    expect(isSendKey(key({ ctrlKey: true }), true)).toBe(true);
    expect(isSendKey(key({ metaKey: true }), true)).toBe(true);
  });

  it('asks the media query, and takes no matchMedia for a fine pointer', () => {
    expect(coarsePointer((q) => ({ matches: q === '(pointer: coarse)' }))).toBe(true);
    expect(coarsePointer(() => ({ matches: false }))).toBe(false);
    expect(coarsePointer(undefined)).toBe(false);
  });
});
