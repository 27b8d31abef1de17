// Hybrid logical clock (Kulkarni et al.): stamps that follow wall time where clocks agree and still
// order causally where they do not. A device whose clock lags behind a sibling's still writes
// stamps after everything it has seen, so its later edit wins; the deviceId breaks exact ties.
// Used by the account document (account.ts): every field is a last-writer-wins register.

/** [wall ms, counter, deviceId]: compared in that order. */
export type Stamp = readonly [t: number, c: number, d: string];

export function compareStamps(a: Stamp, b: Stamp): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1;
  return a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0;
}

export function isStamp(x: unknown): x is Stamp {
  return (
    Array.isArray(x) &&
    x.length === 3 &&
    Number.isSafeInteger(x[0]) &&
    x[0] >= 0 &&
    Number.isSafeInteger(x[1]) &&
    x[1] >= 0 &&
    typeof x[2] === 'string' &&
    x[2].length <= 64
  );
}

export class Hlc {
  private _t = 0;
  private _c = 0;

  constructor(
    readonly deviceId: string,
    private readonly _now: () => number,
  ) {}

  /** A stamp later than every stamp made or observed here. */
  tick(): Stamp {
    const wall = this._now();
    if (wall > this._t) {
      this._t = wall;
      this._c = 0;
    } else this._c++;
    return [this._t, this._c, this.deviceId];
  }

  /** Moves past a stamp seen from elsewhere, so the next tick is after it. */
  observe(s: Stamp): void {
    if (s[0] > this._t || (s[0] === this._t && s[1] > this._c)) {
      this._t = s[0];
      this._c = s[1];
    }
  }
}
