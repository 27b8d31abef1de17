// Start-up does several pieces of heavy work back to back (storage reads, deriving the identity's
// keys, the first render of the chats). Giving the main thread back between them makes each its own
// task, so a tap or a frame waits for one piece, not all of them (Total Blocking Time,
// docs/performance.md). scheduler.yield keeps this task's place ahead of others; setTimeout(0) elsewhere.
export function yieldToMain(): Promise<void> {
  const s = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof s?.yield === 'function') return s.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
