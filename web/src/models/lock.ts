// The app lock, web side: the unlock screen (attempts slowed down, the delay kept in IndexedDB so a
// reload does not reset it; "forgot" wipes and restores from the recovery phrase) and the Settings
// switch that seals or opens everything stored in one transaction. The sealing is
// client/lockedStorage.ts at the IndexedDbStorage boundary; the SDK never knows.
import { computed, signal, type Signal } from '@preact/signals';
import {
  createLock,
  LockError,
  openLock,
  PHONE_KDF,
  type KdfParams,
  type LockAttempts,
  type LockRecord,
  type RecordCodec,
} from '../../../client/lockedStorage.ts';
import { attempt } from './_attempt.ts';
import { Disposable } from './_disposable.ts';

/** What of IndexedDbStorage the lock needs (the shell's storage implements it). */
export interface LockStore {
  readonly locked: boolean;
  getLock(): Promise<LockRecord | undefined>;
  getLockAttempts(): Promise<LockAttempts | undefined>;
  setLockAttempts(a: LockAttempts): Promise<void>;
  unlock(codec: RecordCodec): void;
  reseal(next: { record: LockRecord; codec: RecordCodec } | undefined): Promise<void>;
}

export const MIN_PASSPHRASE = 6;
const MAX_DELAY_MS = 15 * 60_000;

/** Wait after `failures` wrong passphrases in a row: 1 s, 2 s, 4 s … doubling, at most 15 min. */
export function lockDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(1000 * 2 ** (failures - 1), MAX_DELAY_MS);
}

export interface UnlockDeps {
  readonly store: LockStore;
  /** The passphrase opened the lock: start the app. */
  readonly unlocked: () => void | Promise<void>;
  /** "Forgot": wipe this device (then onboarding offers the restore from the phrase). */
  readonly forget: () => Promise<void>;
  readonly now?: () => number;
}

export class UnlockModel extends Disposable {
  readonly passphrase = signal('');
  readonly error = signal<string | null>(null);
  readonly busy = signal(false);
  readonly forgetConfirm = signal(false);
  /** No attempt before this time (ms). */
  readonly notBefore = signal(0);
  readonly now: Signal<number>;
  /** Whole seconds left to wait, 0 when an attempt is allowed. */
  readonly waitSeconds = computed(() => Math.max(0, Math.ceil((this.notBefore.value - this.now.value) / 1000)));
  private readonly _now: () => number;
  private _failures = 0;

  constructor(private readonly _d: UnlockDeps) {
    super();
    this._now = _d.now ?? Date.now;
    this.now = signal(this._now());
    const t = setInterval(() => this.tick(), 500);
    this.own(() => clearInterval(t));
  }

  /** Reads the persisted failures, so a reload waits out the same delay. */
  async load(): Promise<void> {
    const a = await this._d.store.getLockAttempts();
    this._failures = a?.failures ?? 0;
    this.notBefore.value = a ? a.lastFailureAt + lockDelayMs(a.failures) : 0;
    this.tick();
  }

  tick(): void {
    this.now.value = this._now();
  }

  setPassphrase(v: string): void {
    this.passphrase.value = v;
    this.error.value = null;
  }

  /** True when the lock opened. */
  async submit(): Promise<boolean> {
    this.tick();
    if (this.busy.value) return false;
    if (this.waitSeconds.value > 0) {
      this.error.value = `Too many wrong attempts. Try again in ${this.waitSeconds.value} s.`;
      return false;
    }
    this.error.value = null;
    return attempt(this.busy, this.error, async () => {
      const lock = await this._d.store.getLock();
      if (!lock) throw new Error('the lock record is missing');
      // Counted before the key is derived: closing the tab mid-attempt does not make it free.
      const failures = this._failures + 1;
      const at = this._now();
      await this._d.store.setLockAttempts({ failures, lastFailureAt: at });
      let codec: RecordCodec;
      try {
        codec = await openLock(lock, this.passphrase.value);
      } catch (err) {
        if (!(err instanceof LockError) || err.code !== 'WRONG_PASSPHRASE') throw err;
        this._failures = failures;
        this.notBefore.value = at + lockDelayMs(failures);
        this.tick();
        this.error.value = `Wrong passphrase.${this.waitSeconds.value > 0 ? ` Try again in ${this.waitSeconds.value} s.` : ''}`;
        return false;
      }
      this._failures = 0;
      await this._d.store.setLockAttempts({ failures: 0, lastFailureAt: 0 });
      this._d.store.unlock(codec);
      this.passphrase.value = '';
      await this._d.unlocked();
    });
  }

  askForget(open = true): void {
    this.forgetConfirm.value = open;
  }

  async forget(): Promise<void> {
    this.forgetConfirm.value = false;
    await attempt(this.busy, this.error, () => this._d.forget());
  }
}

// One object per page for both directions: a BroadcastChannel does not hear its own messages, but
// a second object in the same page would, and the tab that changed the lock would reload itself.
let channel: BroadcastChannel | null | undefined;
function lockChannel(): BroadcastChannel | null {
  if (channel === undefined) channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('session-messenger-lock');
  return channel;
}

/**
 * Tells this origin's other tabs the lock changed. Their storage still has the old codec (none, or
 * the old key): they must reload onto the new state before they write a record the old way.
 */
export function announceLockChange(): void {
  lockChannel()?.postMessage('changed');
}

/** Runs `fn` when another tab turned the lock on or off (main.tsx: reload). */
export function onLockChangeElsewhere(fn: () => void): void {
  const c = lockChannel();
  if (c) c.onmessage = fn;
}

export interface LockSettingsDeps {
  readonly store: LockStore;
  readonly kdf?: KdfParams;
  /** The lock was turned on or off here (default: announceLockChange). */
  readonly changed?: () => void;
}

/** The Settings switch: set a passphrase (seals everything), or turn it off with the passphrase. */
export class LockSettingsModel extends Disposable {
  readonly enabled = signal<boolean | null>(null);
  readonly draft = signal('');
  readonly confirm = signal('');
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);

  constructor(private readonly _d: LockSettingsDeps) {
    super();
    void _d.store.getLock().then((l) => (this.enabled.value = l !== undefined));
  }

  setDraft(v: string): void {
    this.draft.value = v;
    this.error.value = null;
  }
  setConfirm(v: string): void {
    this.confirm.value = v;
    this.error.value = null;
  }

  /** Turns the lock on with the draft passphrase. */
  async turnOn(): Promise<boolean> {
    if (this.draft.value.length < MIN_PASSPHRASE) return this._fail(`Use at least ${MIN_PASSPHRASE} characters.`);
    if (this.draft.value !== this.confirm.value) return this._fail('The two passphrases differ.');
    return this._run(async () => {
      await this._d.store.reseal(await createLock(this.draft.value, this._d.kdf ?? PHONE_KDF));
      this.enabled.value = true;
      (this._d.changed ?? announceLockChange)();
    });
  }

  /** Turns the lock off; the draft must be the current passphrase. */
  async turnOff(): Promise<boolean> {
    return this._run(async () => {
      const lock = await this._d.store.getLock();
      if (lock) {
        try {
          await openLock(lock, this.draft.value);
        } catch (err) {
          if (err instanceof LockError && err.code === 'WRONG_PASSPHRASE') throw new Error('Wrong passphrase.');
          throw err;
        }
      }
      await this._d.store.reseal(undefined);
      this.enabled.value = false;
      (this._d.changed ?? announceLockChange)();
    });
  }

  private _fail(msg: string): false {
    this.error.value = msg;
    return false;
  }

  private async _run(f: () => Promise<void>): Promise<boolean> {
    if (this.busy.value) return false;
    this.error.value = null;
    return attempt(this.busy, this.error, async () => {
      await f();
      this.draft.value = '';
      this.confirm.value = '';
    });
  }
}
