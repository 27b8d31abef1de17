// The root: loads the SDK chunk and opens storage, then shows onboarding or the chats. Owns the
// router, the service-worker update prompt and "wipe this device".
import { signal } from '@preact/signals';
import type { Client, Engine } from '../api.ts';
import type { Storage } from '../../../client/storage.ts';
import { describeError } from '../lib/errors.ts';
import { Prefs } from './prefs.ts';
import { Router } from './router.ts';
import { Session } from './session.ts';
import { readSnapshot, type ChatListSnapshot } from './snapshot.ts';
import type { Notifier } from './notifications.ts';
import type { LockStore } from './lock.ts';

/** locked: the app lock is on (models/lock.ts); nothing but the unlock screen is drawn. */
export type Phase = 'loading' | 'locked' | 'onboarding' | 'main' | 'failed';

export interface OpenedStorage {
  readonly storage: Storage;
  /** Closes and deletes everything this device holds. */
  readonly destroy: () => Promise<void>;
  /** The app lock's side of the storage (IndexedDbStorage); absent where there is no lock. */
  readonly lock?: LockStore;
}

export interface AppDeps {
  readonly loadEngine: () => Promise<Engine>;
  readonly openStorage: () => Promise<OpenedStorage>;
  readonly url: string;
  readonly prefs?: Prefs;
  readonly router?: Router;
  readonly notifier?: Notifier;
  /** Options passed through to MessengerClient.create (tests: the ws WebSocket, network: null). */
  readonly clientOptions?: Record<string, unknown>;
}

/** ws(s)://<this host>/ws: the relay serves the app and the socket on one origin. */
export function socketUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/ws`;
}

export class AppModel {
  readonly phase = signal<Phase>('loading');
  readonly error = signal<string | null>(null);
  readonly session = signal<Session | null>(null);
  /** While loading: the chat list as storage holds it, shown until the live session is ready. */
  readonly preview = signal<ChatListSnapshot | null>(null);
  readonly prefs: Prefs;
  readonly router: Router;
  private _client: Client | undefined;
  private _engine: Engine | undefined;
  private _opened: OpenedStorage | undefined;

  constructor(private readonly _d: AppDeps) {
    this.prefs = _d.prefs ?? new Prefs();
    this.router = _d.router ?? new Router();
  }

  get client(): Client {
    if (!this._client) throw new Error('the app has not started yet');
    return this._client;
  }
  get engine(): Engine {
    if (!this._engine) throw new Error('the app has not started yet');
    return this._engine;
  }

  async boot(): Promise<void> {
    this.phase.value = 'loading';
    try {
      // The SDK chunk is the slow part on a cold start; storage is in the shell, so the list it
      // holds is on screen (and its rows are links) while the SDK still downloads.
      const engineLoad = this._d.loadEngine();
      engineLoad.catch(() => undefined);
      const opened = await this._d.openStorage();
      this._opened = opened;
      // Locked: no preview, no SDK — storage refuses every read until unlocked() anyway.
      if (opened.lock?.locked) {
        this.phase.value = 'locked';
        return;
      }
      await this._start(opened, engineLoad);
    } catch (err) {
      this.error.value = describeError(err);
      this.phase.value = 'failed';
    }
  }

  /** The lock's store, for the unlock screen and the Settings switch. */
  get lockStore(): LockStore | undefined {
    return this._opened?.lock;
  }

  /** The unlock screen opened the storage: start as a boot would have. */
  async unlocked(): Promise<void> {
    if (!this._opened || this.phase.value !== 'locked') return;
    this.phase.value = 'loading';
    try {
      const engineLoad = this._d.loadEngine();
      engineLoad.catch(() => undefined);
      await this._start(this._opened, engineLoad);
    } catch (err) {
      this.error.value = describeError(err);
      this.phase.value = 'failed';
    }
  }

  private async _start(opened: OpenedStorage, engineLoad: Promise<Engine>): Promise<void> {
    try {
      this.preview.value = await readSnapshot(opened.storage, this.prefs).catch(() => null);
      const engine = await engineLoad;
      this._engine = engine;
      // Attachment bytes (encrypted) in their own database, bounded; none where IndexedDB is missing.
      const attachmentCache =
        typeof indexedDB === 'undefined' ? undefined : await engine.IndexedDbAttachmentCache.open().catch(() => undefined);
      this._client = await engine.MessengerClient.create({
        url: this._d.url,
        storage: opened.storage,
        ...(attachmentCache ? { attachmentCache } : {}),
        ...this._d.clientOptions,
      });
      if (this._client.hasIdentity && this.prefs.onboardedId.value === this._client.sessionId) {
        // Shown only once its lists are read, so the live list replaces the preview row for row.
        const s = this._open();
        await s.ready();
        if (this.session.value === s) this.phase.value = 'main';
      } else this.phase.value = 'onboarding';
    } finally {
      this.preview.value = null;
    }
  }

  /** The identity is ready (onboarded): open the chats (or stay on the route of a reload) and connect. */
  startSession(toChats = true): void {
    this._open();
    this.phase.value = 'main';
    if (toChats) this.router.go({ name: 'chats' });
  }

  private _open(): Session {
    this.session.value?.dispose();
    const s = new Session({
      client: this.client,
      engine: this.engine,
      prefs: this.prefs,
      ...(this._d.notifier ? { notifier: this._d.notifier } : {}),
    });
    this.session.value = s;
    s.start();
    return s;
  }

  /** Forgets everything on this device — identity, contacts, history — and starts over. */
  async wipe(): Promise<void> {
    await this.session.value?.push.forget();
    this.session.value?.dispose();
    this.session.value = null;
    await this._client?.disconnect().catch(() => undefined);
    await this._opened?.destroy();
    this._client = undefined;
    this._opened = undefined;
    this.prefs.clear();
    this.router.go({ name: 'chats' });
    await this.boot();
  }

  dispose(): void {
    this.session.value?.dispose();
    this.router.dispose();
    void this._client?.disconnect();
  }
}
