// Typed events. Lower layers emit; they never reach up into the app. A throwing listener must not
// break the SDK's own processing, so listener errors go to onListenerError instead of unwinding.

export type Listener<T> = (payload: T) => void;

export class Emitter<E extends object> {
  private readonly _listeners = new Map<keyof E, Set<Listener<never>>>();
  private readonly _onListenerError: (err: unknown, event: keyof E) => void;

  constructor(onListenerError?: (err: unknown, event: keyof E) => void) {
    this._onListenerError =
      onListenerError ??
      ((err) =>
        queueMicrotask(() => {
          throw err;
        }));
  }

  /** Adds a listener; returns the function that removes it. */
  on<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    let set = this._listeners.get(event);
    if (!set) this._listeners.set(event, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => this.off(event, fn);
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): () => void {
    const off = this.on(event, (p) => {
      off();
      fn(p);
    });
    return off;
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): void {
    this._listeners.get(event)?.delete(fn as Listener<never>);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as Listener<E[K]>)(payload);
      } catch (err) {
        this._onListenerError(err, event);
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this._listeners.get(event)?.size ?? 0;
  }
}
