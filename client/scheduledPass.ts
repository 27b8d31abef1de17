// Checks that run on schedule while connected, not only at connect: the renewals of grants I issued
// and the re-invitations of contacts whose grants lapsed (docs/client.md "Grants", "Restore after
// every grant lapsed"). A device that stays connected for weeks (a desktop tab, a bot) would
// otherwise let its contacts' grants lapse. The timer aims at the earliest time the check could
// find work, from the stored records (no polling); it is aimed again after each pass and after the
// events that can bring that time nearer, and is off while disconnected.
import type { ClientContext } from './context.ts';
import type { ClientEvents } from './events.ts';
import { Timer } from './runtime.ts';

/** setTimeout's limit: a later time is aimed at again after this. */
const MAX_WAIT_MS = 2 ** 31 - 1;
/**
 * After a pass, never sooner than this: a pass that does nothing leaves nothing due now, but should a
 * record it cannot write (storage failing) say otherwise, the device must not spin on it.
 */
const MIN_AFTER_PASS_MS = 60_000;

export interface ScheduledCheck {
  /** Does what is due now (inside the serial queue). */
  run(): Promise<unknown>;
  /** The earliest time run() could find work if no record changes meanwhile; Infinity when never. */
  dueAt(now: number): Promise<number>;
  /** What can bring dueAt nearer. A change that only delays it costs one pass that does nothing. */
  readonly events: readonly (keyof ClientEvents)[];
}

export class ScheduledPass {
  private readonly _timer: Timer;
  private _live = false;
  private _passQueued = false;
  private _aimQueued = false;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _check: ScheduledCheck,
  ) {
    // Unref'd: a bot whose next renewal is weeks away still exits when its work is done.
    this._timer = new Timer(_ctx.runtime, { unref: true });
    for (const e of _check.events) _ctx.events.on(e, () => this._aim());
  }

  /** This socket's copy of the account document is merged: a pass now, then on schedule until stop(). */
  start(): void {
    if (!this._ctx.connected()) return;
    this._live = true;
    this._pass();
  }

  stop(): void {
    this._live = false;
    this._timer.clear();
  }

  /** Single-flight: a pass already waiting in the serial queue covers this call too (connect and timer at once). */
  private _pass(): void {
    if (!this._live || this._passQueued) return;
    this._passQueued = true;
    this._ctx.enqueue(async () => {
      this._passQueued = false;
      if (!this._live) return;
      try {
        await this._check.run();
      } finally {
        await this._arm(MIN_AFTER_PASS_MS);
      }
    });
  }

  private _aim(): void {
    if (!this._live || this._aimQueued) return;
    this._aimQueued = true;
    this._ctx.enqueue(async () => {
      this._aimQueued = false;
      await this._arm(0);
    });
  }

  private async _arm(minWaitMs: number): Promise<void> {
    if (!this._live) return;
    const now = this._ctx.runtime.now();
    const at = await this._check.dueAt(now);
    if (!this._live) return;
    if (at === Infinity) return this._timer.clear();
    this._timer.set(Math.min(MAX_WAIT_MS, Math.max(minWaitMs, at - now)), () => this._pass());
  }
}
