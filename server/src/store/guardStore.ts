// Store failures become one protocol error. A Redis store can time out or drop its connection; the
// handlers then answer STORE_UNAVAILABLE (retryable) instead of crashing or leaking the cause.
import { ProtocolError } from '../../../protocol/index.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { Store } from './types.ts';

type Method = (...args: unknown[]) => unknown;

/**
 * The store with every method but close wrapped once, here: the hot path then pays one extra
 * promise per call, not a trap, a closure and a promise (docs/performance.md, lever 8). Fields
 * (kind, epoch) are read through the prototype chain from the store itself.
 */
export function guardStore(store: Store, log: Logger, metrics: Metrics): Store {
  const guarded = Object.create(store) as Record<string, unknown>;
  for (const name of methodNames(store)) {
    if (name === 'close') continue;
    const fn = (store as unknown as Record<string, Method>)[name]!;
    const onError = (err: unknown): never => {
      throw fail(name, err);
    };
    guarded[name] = (...args: unknown[]): unknown => {
      let result: unknown;
      try {
        result = fn.apply(store, args);
      } catch (err) {
        throw fail(name, err);
      }
      return result instanceof Promise ? result.then(undefined, onError) : result;
    };
  }
  return guarded as unknown as Store;

  function fail(op: string, err: unknown): ProtocolError {
    if (err instanceof ProtocolError) return err;
    metrics.inc('store_errors_total', op);
    log.error('store_error', { op, error: err instanceof Error ? err.message : String(err) });
    return new ProtocolError('STORE_UNAVAILABLE');
  }
}

/** Every function-valued property of the store and its classes, except constructors. */
function methodNames(store: Store): Set<string> {
  const names = new Set<string>();
  for (let o: object | null = store; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name !== 'constructor' && typeof (store as unknown as Record<string, unknown>)[name] === 'function') names.add(name);
    }
  }
  return names;
}
