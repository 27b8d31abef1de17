// Store failures become one protocol error. A Redis store can time out or drop its connection; the
// handlers then answer STORE_UNAVAILABLE (retryable) instead of crashing or leaking the cause.
import { ProtocolError } from '../../protocol/index.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics.ts';
import type { Store } from './store/types.ts';

export function guardStore(store: Store, log: Logger, metrics: Metrics): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'close' || prop === 'constructor') return value;
      const op = String(prop);
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (err) {
          throw fail(op, err);
        }
        if (result instanceof Promise) return result.catch((err: unknown) => Promise.reject(fail(op, err)));
        return result;
      };
    },
  });

  function fail(op: string, err: unknown): ProtocolError {
    if (err instanceof ProtocolError) return err;
    metrics.inc('store_errors_total', op);
    log.error('store_error', { op, error: err instanceof Error ? err.message : String(err) });
    return new ProtocolError('STORE_UNAVAILABLE');
  }
}
