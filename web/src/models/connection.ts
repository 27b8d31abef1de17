// The connection as the person sees it: a banner when offline or reconnecting, with how many
// messages wait in the outbox. "Connecting…" is shown only when it lasts, so a normal start or a
// quick reconnect does not flash it.
import { computed, signal } from '@preact/signals';
import type { Client, ConnectionState, StatusEvent } from '../api.ts';
import { coalesce } from './_coalesce.ts';
import { Disposable } from './_disposable.ts';

export type Banner = { readonly kind: 'offline' | 'connecting'; readonly queued: number } | null;

export const CONNECTING_GRACE_MS = 1500;

export class ConnectionModel extends Disposable {
  readonly state = signal<ConnectionState>('disconnected');
  /** The browser says there is no network. */
  readonly offline = signal(false);
  /** Not connected for longer than the grace period. */
  readonly stale = signal(false);
  /** Messages written here and not yet accepted by the server. */
  readonly queued = signal(0);
  /** The server refused this device for good (keys, origin): reconnecting will not help. */
  readonly fatal = signal<string | null>(null);
  /** The server restarted and lost its mailboxes; unacknowledged messages are being re-sent. */
  readonly epochChanged = signal(false);

  readonly banner = computed<Banner>(() => {
    if (this.state.value === 'connected') return null;
    if (this.offline.value) return { kind: 'offline', queued: this.queued.value };
    if (this.stale.value) return { kind: 'connecting', queued: this.queued.value };
    return null;
  });

  private _graceTimer: ReturnType<typeof setTimeout> | undefined;
  /** Message ids waiting in the outbox: read at start and on each connection change (an epoch
   * change queues sent ones again), kept between them by status events. */
  private _waiting = new Set<string>();
  readonly refreshQueued = coalesce(async () => {
    const outbox = await this._client.getOutbox();
    this._waiting = new Set(outbox.filter((o) => o.kind === 'msg' && o.state === 'pending').map((o) => o.id));
    this.queued.value = this._waiting.size;
  });

  private _onStatus(e: StatusEvent): void {
    // queued, or refused for now and retried by the SDK: waiting. Anything else: out of the outbox's hands.
    const waiting = e.status === 'queued' || (e.status === 'failed' && e.retrying === true);
    if (waiting === this._waiting.has(e.id)) return;
    if (waiting) this._waiting.add(e.id);
    else this._waiting.delete(e.id);
    this.queued.value = this._waiting.size;
  }

  constructor(
    private readonly _client: Client,
    win: Window | undefined = globalThis.window,
    graceMs = CONNECTING_GRACE_MS,
  ) {
    super();
    this.offline.value = win?.navigator ? win.navigator.onLine === false : false;
    this.listen(win, 'online', () => (this.offline.value = false));
    this.listen(win, 'offline', () => (this.offline.value = true));
    const setState = (s: ConnectionState): void => {
      this.state.value = s;
      if (s === 'connected') {
        clearTimeout(this._graceTimer);
        this._graceTimer = undefined;
        this.stale.value = false;
        this.fatal.value = null;
      } else if (this._graceTimer === undefined && !this.stale.value) {
        this._graceTimer = setTimeout(() => {
          this._graceTimer = undefined;
          if (this.state.value !== 'connected') this.stale.value = true;
        }, graceMs);
      }
    };
    setState(_client.connectionState);
    this.own(
      _client.on('connection', (e) => {
        setState(e.newState);
        if (e.newState === 'connected') this.epochChanged.value = e.epochChanged === true;
        this.refreshQueued();
      }),
    );
    this.own(_client.on('status', (e) => this._onStatus(e)));
    // A queued message deleted before it left is no longer waiting (it has no status event).
    this.own(
      _client.on('removed', (e) => {
        let changed = false;
        for (const id of e.ids) changed = this._waiting.delete(id) || changed;
        if (changed) this.queued.value = this._waiting.size;
      }),
    );
    this.own(() => clearTimeout(this._graceTimer));
    this.refreshQueued();
  }

  /** connect() rejects only when the server refused this device for good. */
  connect(): void {
    this._client.connect().catch((err: unknown) => {
      if (this.disposed) return;
      if (this._client.connectionState === 'disconnected') this.fatal.value = err instanceof Error ? err.message : String(err);
    });
  }
}
