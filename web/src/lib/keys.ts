// Enter in the composer. With a physical keyboard Enter sends and Shift+Enter breaks the line; on
// a touch-first device (coarse pointer) the on-screen keyboard's Enter is the only way to a new
// line, so it makes one and the send button sends. Ctrl/⌘+Enter sends everywhere.

export interface EnterKey {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly isComposing: boolean;
}

/** True on touch-first devices, where Enter makes a new line. */
export function coarsePointer(
  matchMedia: ((q: string) => { matches: boolean }) | undefined = globalThis.matchMedia?.bind(globalThis),
): boolean {
  return matchMedia?.('(pointer: coarse)').matches ?? false;
}

export function isSendKey(e: EnterKey, coarse: boolean): boolean {
  if (e.key !== 'Enter' || e.isComposing || e.shiftKey) return false;
  return e.ctrlKey || e.metaKey || !coarse;
}
