// The root: loads the SDK chunk and opens storage, then shows onboarding or the chats. Owns the
// router, the service-worker update prompt and "wipe this device".
import { signal } from '@preact/signals';
import type { Client, Engine } from '../api.ts';
import type { Storage } from '../../../client/storage.ts';
import { describeError } from '../lib/errors.ts';
import { Prefs } from './prefs.ts';
import { Router } from './router.ts';
import { Session } from './session.ts';
import type { Notifier } from './notifications.ts';

export type Phase = 'loading' | 'onboarding' | 'main' | 'failed';

export interface OpenedStorage {
  readonly storage: Storage;
  /** Closes and deletes everything this device holds. */
  readonly destroy: () => Promise<void>;
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
      const [engine, opened] = await Promise.all([this._d.loadEngine(), this._d.openStorage()]);
      this._engine = engine;
      this._opened = opened;
      this._client = await engine.MessengerClient.create({ url: this._d.url, storage: opened.storage, ...this._d.clientOptions });
      if (this._client.hasIdentity && this.prefs.onboardedId.value === this._client.sessionId) this.startSession(false);
      else this.phase.value = 'onboarding';
    } catch (err) {
      this.error.value = describeError(err);
      this.phase.value = 'failed';
    }
  }

  /** The identity is ready (onboarded): open the chats (or stay on the route of a reload) and connect. */
  startSession(toChats = true): void {
    this.session.value?.dispose();
    const s = new Session({ client: this.client, engine: this.engine, prefs: this.prefs, ...(this._d.notifier ? { notifier: this._d.notifier } : {}) });
    this.session.value = s;
    this.phase.value = 'main';
    if (toChats) this.router.go({ name: 'chats' });
    s.start();
  }

  /** Forgets everything on this device — identity, contacts, history — and starts over. */
  async wipe(): Promise<void> {
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
