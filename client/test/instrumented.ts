// A Storage that tells a hook of every call before passing it on: to count reads, or to "close the
// tab" at a given write. Any implementation can be wrapped (MemoryStorage, IndexedDbStorage).
import type { Storage, StorageWrite } from '../storage.ts';

export type StorageCall = { readonly method: keyof Storage; readonly args: readonly unknown[] };

export function instrument(inner: Storage, hook: (call: StorageCall) => void): Storage {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        try {
          hook({ method: prop as keyof Storage, args });
        } catch (err) {
          return Promise.reject(err);
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

const isRead = (m: string): boolean => m.startsWith('get') || m.startsWith('list');

/** Counts the reads (get*, list*) made through it. */
export function countingStorage(inner: Storage): {
  storage: Storage;
  reads: () => number;
  readsBy: () => Record<string, number>;
  reset: () => void;
} {
  let by: Record<string, number> = {};
  const storage = instrument(inner, ({ method }) => {
    if (isRead(method)) by[method] = (by[method] ?? 0) + 1;
  });
  return {
    storage,
    reads: () => Object.values(by).reduce((a, b) => a + b, 0),
    readsBy: () => ({ ...by }),
    reset: () => {
      by = {};
    },
  };
}

/**
 * A tab that is closed after `budget` record writes: the write that would go past it, and every
 * call after it, fails and changes nothing. A batch (write) is one IndexedDB transaction, so it
 * lands whole or not at all; single puts land one by one.
 */
export class ClosingTab {
  budget = Infinity;
  closed = false;
  readonly storage: Storage;

  constructor(inner: Storage) {
    this.storage = instrument(inner, ({ method, args }) => {
      if (this.closed) throw new Error('the tab is closed');
      if (isRead(method) || method === 'clear') return;
      const records = method === 'write' ? (args[0] as readonly StorageWrite[]).length : 1;
      if (records > this.budget) {
        this.closed = true;
        throw new Error('the tab is closed');
      }
      this.budget -= records;
    });
  }
}
