// Presence (docs/protocol.md presence_sub): on every ready, subscribe to the contacts whose grant I
// hold; the server answers once per id and then on every change. The server decides who may see
// whom, so asking for a stranger only gets an error back, never their presence.
import { ERRORS, isErrorCode, MAX_IDS_PER_FRAME, type ServerFrames } from '../protocol/index.ts';
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';

export class Presence {
  private readonly _online = new Map<string, boolean>();
  /** When the server said a contact went offline: only ever from presence they share. */
  private readonly _lastSeen = new Map<string, number>();
  private readonly _subscribed = new Set<string>();
  /** Ids the server refused for now (RATE_LIMITED): asked again after its retryAfterMs. */
  private readonly _retry = new Set<string>();
  private readonly _retryTimer: Timer;
  /** A refused un-hide (RATE_LIMITED, ref "privacy") is sent again after the wait. */
  private readonly _privacyTimer: Timer;

  constructor(private readonly _ctx: ClientContext) {
    this._retryTimer = new Timer(_ctx.runtime);
    this._privacyTimer = new Timer(_ctx.runtime);
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
    for (const id of ids) {
      this._online.delete(id);
      this._lastSeen.delete(id);
    }
  }

  onPresence(frame: ServerFrames['presence']): void {
    // A lost socket is not the contact leaving: only the server's "went offline" is last seen.
    if (!frame.online && this._online.get(frame.id) === true) {
      const at = this._ctx.runtime.now();
      this._lastSeen.set(frame.id, at);
      this._online.set(frame.id, false);
      this._ctx.events.emit('presence', { peer: frame.id, online: false, lastSeen: at });
      return;
    }
    this._set(frame.id, frame.online);
  }

  lastSeen(peer: string): number | undefined {
    return this._lastSeen.get(peer);
  }

  /**
   * Refused presence_sub ids come back together: an error with ref "presence_sub" and `ids` (one per
   * code). A server from before that answered each id alone, with the id as ref; both are handled.
   */
  onError(frame: ServerFrames['error']): boolean {
    if (frame.ref === 'privacy') {
      // The server refuses only showing again too often; the identity stays hidden meanwhile. The
      // setting as it is by then is what goes, so a hide chosen during the wait is not undone.
      if (frame.code === 'RATE_LIMITED') {
        this._privacyTimer.setEarliest(frame.retryAfterMs ?? 1000, () =>
          this._ctx.enqueue(() => {
            this._ctx.send({ type: 'privacy', hidePresence: !this._ctx.settings().sharePresence });
          }),
        );
      }
      return true;
    }
    const ids = frame.ref === 'presence_sub' && frame.ids !== undefined ? frame.ids : frame.ref !== undefined ? [frame.ref] : [];
    const refused = ids.filter((id) => this._subscribed.has(id));
    if (refused.length === 0) return frame.ref === 'presence_sub';
    for (const id of refused) this._subscribed.delete(id);
    if (isErrorCode(frame.code) && ERRORS[frame.code].retryable) {
      for (const id of refused) this._retry.add(id);
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
    // The next auth carries the current setting.
    this._privacyTimer.clear();
  }
}
