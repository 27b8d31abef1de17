// Models own subscriptions (SDK events, DOM listeners, timers) and give them all back in dispose(),
// called when the view that created the model unmounts.

export class Disposable {
  private _cleanups: (() => void)[] = [];
  private _disposed = false;

  get disposed(): boolean {
    return this._disposed;
  }

  /** Registers a cleanup; returns it for convenience. */
  protected own(cleanup: () => void): () => void {
    if (this._disposed) cleanup();
    else this._cleanups.push(cleanup);
    return cleanup;
  }

  /** addEventListener that is removed on dispose. */
  protected listen<K extends string>(target: EventTarget | undefined | null, type: K, fn: (ev: Event) => void): void {
    if (!target) return;
    target.addEventListener(type, fn);
    this.own(() => target.removeEventListener(type, fn));
  }

  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    for (const c of this._cleanups.splice(0).reverse()) {
      try {
        c();
      } catch (err) {
        console.error(err);
      }
    }
  }
}
