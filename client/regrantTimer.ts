// Re-invitations on schedule while connected (docs/client.md "Restore after every grant lapsed"): a
// device that stays connected for days (a desktop tab, a bot) asks a contact whose grant lapsed
// when the pace allows, not at its next connect. The timer aims at the earliest time regrantsToAsk
// could name someone, from the stored records; it is aimed again after each pass and whenever a
// contact or one of my invitations changes, and is off while disconnected.
import { regrantCandidates } from './accountView.ts';
import type { Contacts } from './contacts.ts';
import type { ClientContext } from './context.ts';
import type { Invitations } from './invitations.ts';
import { nextRegrantCheck } from './regrantPace.ts';
import { Timer } from './runtime.ts';

/** setTimeout's limit: a later time is aimed at again after this. */
const MAX_WAIT_MS = 2 ** 31 - 1;
/**
 * After a pass, never sooner than this: a pass that asks nobody leaves nothing due now, but should a
 * record it cannot write (storage failing) say otherwise, the device must not spin on it.
 */
const MIN_AFTER_PASS_MS = 60_000;

export class RegrantTimer {
  private readonly _timer: Timer;
  private _live = false;
  private _passQueued = false;
  private _aimQueued = false;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _contacts: Contacts,
    private readonly _invitations: Invitations,
  ) {
    this._timer = new Timer(_ctx.runtime, { unref: true });
    // What can bring the due time nearer: a grant (new contact, renewal), an invitation of mine
    // answered, expired or refused. A change that only delays it costs one pass that asks nobody.
    for (const e of ['contact', 'invitation', 'invitationUpdate'] as const) _ctx.events.on(e, () => this._aim());
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
        await this._invitations.regrantLapsed();
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
    const doc = await this._contacts.sync.doc();
    const at = nextRegrantCheck(regrantCandidates(doc, now), await this._ctx.storage.listInvitations(), now);
    if (!this._live) return;
    if (at === Infinity) return this._timer.clear();
    this._timer.set(Math.min(MAX_WAIT_MS, Math.max(minWaitMs, at - now)), () => this._pass());
  }
}
