// Presence (docs/protocol.md presence_sub): on every ready, subscribe to the contacts whose grant I
// hold; the server answers once per id and then on every change. The server decides who may see
// whom, so asking for a stranger only gets an error back, never their presence.
import { ERRORS, isErrorCode, MAX_IDS_PER_FRAME, type ServerFrames } from '../protocol/index.ts';
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';

export class Presence {
  private readonly _online = new Map<string, boolean>();
  private readonly _subscribed = new Set<string>();
  /** Ids the server refused for now (RATE_LIMITED): asked again after its retryAfterMs. */
  private readonly _retry = new Set<string>();
  private readonly _retryTimer: Timer;

  constructor(private readonly _ctx: ClientContext) {
    this._retryTimer = new Timer(_ctx.runtime);
  }

  /** Subscribes to ids (again: a new socket starts with no subscriptions). */
  subscribe(ids: readonly string[]): void {
    const max = this._ctx.limits()?.maxPresenceSubs ?? MAX_IDS_PER_FRAME;
    const fresh = ids.filter((id) => !this._subscribed.has(id)).slice(0, Math.max(0, max - this._subscribed.size));
    for (let i = 0; i < fresh.length; i += MAX_IDS_PER_FRAME) {
      const chunk = fresh.slice(i, i + MAX_IDS_PER_FRAME);
      if (this._ctx.send({ type: 'presence_sub', ids: chunk })) for (const id of chunk) this._subscribed.add(id);
    }
  }

  unsubscribe(ids: readonly string[]): void {
    const subs = ids.filter((id) => this._subscribed.delete(id));
    if (subs.length > 0) this._ctx.send({ type: 'presence_unsub', ids: subs });
    for (const id of ids) this._online.delete(id);
  }

  onPresence(frame: ServerFrames['presence']): void {
    this._set(frame.id, frame.online);
  }

  /** A refused presence_sub comes back as an error whose ref is the id. */
  onError(frame: ServerFrames['error']): boolean {
    if (frame.ref === undefined || !this._subscribed.has(frame.ref)) return false;
    this._subscribed.delete(frame.ref);
    if (isErrorCode(frame.code) && ERRORS[frame.code].retryable) {
      this._retry.add(frame.ref);
      const wait = frame.retryAfterMs ?? 1000;
      this._retryTimer.setEarliest(wait, () =>
        this._ctx.enqueue(() => {
          const ids = [...this._retry];
          this._retry.clear();
          this.subscribe(ids);
        }),
      );
    }
    return true;
  }

  private _set(peer: string, online: boolean): void {
    if (this._online.get(peer) === online) return;
    this._online.set(peer, online);
    this._ctx.events.emit('presence', { peer, online });
  }

  isOnline(peer: string): boolean {
    return this._online.get(peer) ?? false;
  }

  /** The socket is gone and its subscriptions with it; the next ready subscribes again. Without a
   * socket nothing is known about anyone: peers shown online are told offline, so isOnline() is
   * never a leftover from the last socket. */
  reset(): void {
    const wasOnline = [...this._online].filter(([, online]) => online).map(([peer]) => peer);
    this._online.clear();
    for (const peer of wasOnline) this._ctx.events.emit('presence', { peer, online: false });
    this._subscribed.clear();
    this._retry.clear();
    this._retryTimer.clear();
  }
}
