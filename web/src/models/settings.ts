// Settings: privacy toggles (each reciprocal, like Signal's: who hides their typing or receipts
// does not see others' either — the SDK applies the sending side, the view says so), the recovery
// phrase behind a confirm, linking another device, and wiping this one.
import { signal, type Signal } from '@preact/signals';
import type { Client, Settings } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { Disposable } from './_disposable.ts';
import type { Prefs } from './prefs.ts';

export type PrivacyKey = keyof Settings;

export interface SettingsDeps {
  readonly client: Client;
  readonly prefs: Prefs;
  /** The session's privacy settings, shared with what reads them (presence, typing, ticks). */
  readonly privacy: Signal<Settings>;
  readonly wipe: () => Promise<void>;
}

export class SettingsModel extends Disposable {
  readonly settings: Signal<Settings>;
  readonly saving = signal<PrivacyKey | null>(null);
  readonly error = signal<string | null>(null);
  readonly phraseConfirm = signal(false);
  readonly phrase = signal<string | null>(null);
  readonly wipeConfirm = signal(false);
  readonly wiping = signal(false);
  readonly nameDraft: Signal<string>;
  readonly nameSaved = signal(false);
  /** This identity's devices, from the account document. */
  readonly devices = signal<Awaited<ReturnType<Client['getDevices']>>>([]);

  constructor(private readonly _d: SettingsDeps) {
    super();
    this.settings = _d.privacy;
    this.nameDraft = signal(_d.prefs.displayName.value);
    void this.loadDevices();
    // The list is merged from the server's copy once connected.
    this.own(_d.client.on('connection', (e) => void (e.newState === 'connected' && this.loadDevices())));
  }

  async loadDevices(): Promise<void> {
    this.devices.value = await this._d.client.getDevices();
  }

  async toggle(key: PrivacyKey): Promise<void> {
    if (this.saving.value) return;
    const value = !this.settings.value[key];
    this.saving.value = key;
    this.error.value = null;
    this.settings.value = { ...this.settings.value, [key]: value };
    try {
      this.settings.value = await this._d.client.setPrivacy({ [key]: value });
    } catch (err) {
      this.settings.value = { ...this.settings.value, [key]: !value };
      this.error.value = describeError(err);
    } finally {
      this.saving.value = null;
    }
  }

  setNameDraft(v: string): void {
    this.nameDraft.value = v;
    this.nameSaved.value = false;
  }

  saveName(): void {
    this._d.prefs.setDisplayName(this.nameDraft.value);
    this.nameDraft.value = this._d.prefs.displayName.value;
    this.nameSaved.value = true;
    // To my other devices (account document) and to my contacts (a profile body each).
    const name = this.nameDraft.value.trim();
    if (name) this._d.client.setDisplayName(name).catch((err: unknown) => (this.error.value = describeError(err)));
  }

  askPhrase(open = true): void {
    this.phraseConfirm.value = open;
  }

  revealPhrase(): void {
    this.phraseConfirm.value = false;
    this.phrase.value = this._d.client.recoveryPhrase();
  }

  hidePhrase(): void {
    this.phrase.value = null;
  }

  askWipe(open = true): void {
    this.wipeConfirm.value = open;
  }

  async wipe(): Promise<void> {
    this.wipeConfirm.value = false;
    this.wiping.value = true;
    try {
      await this._d.wipe();
    } catch (err) {
      this.error.value = describeError(err);
      this.wiping.value = false;
    }
  }

  override dispose(): void {
    this.phrase.value = null; // the phrase does not outlive the screen
    super.dispose();
  }
}
