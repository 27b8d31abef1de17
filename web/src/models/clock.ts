// "Now" as a signal, for what changes with time alone: "23 h left", "Yesterday".
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';

export class Clock extends Disposable {
  readonly now = signal(Date.now());

  constructor(
    tickMs = 30_000,
    private readonly _read: () => number = Date.now,
  ) {
    super();
    const t = setInterval(() => this.tick(), tickMs);
    this.own(() => clearInterval(t));
  }

  tick(): void {
    this.now.value = this._read();
  }
}
