// Who is connected here, and the one seam for reaching them. Handlers never look sockets up
// themselves: they hand a BusMessage to the Bus, whose local implementation dispatches through the
// Hub. The Redis bus (redisBus.ts) also publishes the same messages to the other instances, each of
// which dispatches to its own Hub, so no handler changes when the relay becomes several processes.
// The Hub tells a listener when an identity gets its first or loses its last socket here, and when
// a target gets its first or loses its last local watcher: that is what a distributed bus
// subscribes to, so no instance receives traffic for users it holds no socket of.
import type { Grant, ServerFrameType } from '../../protocol/index.ts';
import type { EntryKind } from './store/types.ts';
import { presenceText } from './wire.ts';

/** Everything one instance may be asked to do for the sockets of one Session ID. JSON-safe. */
export type BusMessage =
  /** A stream entry (its text carries the offset): sent in order, or caught up from the store. */
  | { readonly kind: 'entry'; readonly type: EntryKind; readonly offset: number; readonly text: string }
  /** A frame outside the stream; an ephemeral envelope is best effort, skipped for congested sockets. */
  | { readonly kind: 'frame'; readonly type: ServerFrameType; readonly text: string }
  /** A verified grant the identity now holds (invitation accepted). */
  | { readonly kind: 'grant'; readonly grant: Grant }
  /** `from` revoked the identity's grants issued at or before iat. */
  | { readonly kind: 'revoke'; readonly from: string; readonly iat: number };

export interface Bus {
  /**
   * To every socket of sid, on every instance, except the socket whose id is exceptConn. Connection
   * ids are per process: a distributed bus applies exceptConn on the originating instance only.
   */
  toIdentity(sid: string, msg: BusMessage, exceptConn?: number): void;
  /** Tells the subscribers of sid, on every instance, whether it is online. */
  presence(sid: string, online: boolean, ts: number): void;
  close(): Promise<void>;
}

/** The part of a connection the Hub dispatches to. */
export interface HubSocket {
  readonly id: number;
  readonly sid: string;
  readonly hidden: boolean;
  /** Session IDs whose presence this socket subscribed to. */
  readonly subs: Set<string>;
  deliverEntry(type: EntryKind, offset: number, text: string): void;
  /** An entry this socket caused itself: not sent live (it gets it on replay), but not a gap either. */
  skipEntry(offset: number): void;
  /** Entries may have been missed (the bus was down, or subscribed late): catch up from the store. */
  resync(): void;
  deliverFrame(type: ServerFrameType, text: string): void;
  holdGrant(grant: Grant): void;
  revokeFrom(from: string, iat: number): void;
  /** Whether this socket may still learn target's presence (own ID, or a live grant from target). */
  mayObserve(target: string, now: number): boolean;
}

/** First/last local socket of an identity, first/last local watcher of a presence target. */
export interface HubListener {
  identityAdded(sid: string): void;
  identityRemoved(sid: string): void;
  watchAdded(target: string): void;
  watchRemoved(target: string): void;
}

export class Hub {
  private readonly bySid = new Map<string, Set<HubSocket>>();
  /** target Session ID → sockets subscribed to its presence. */
  private readonly watchers = new Map<string, Set<HubSocket>>();
  private authenticated = 0;
  private subscriptions = 0;
  private listener: HubListener | undefined;

  constructor(private readonly clock: () => number) {}

  /** One listener (the distributed bus); it hears only about changes after this call. */
  listen(listener: HubListener | undefined): void {
    this.listener = listener;
  }

  /** Every identity with a socket here. */
  identities(): IterableIterator<string> {
    return this.bySid.keys();
  }

  /** Every presence target watched from here. */
  watchedTargets(): IterableIterator<string> {
    return this.watchers.keys();
  }

  get authenticatedCount(): number {
    return this.authenticated;
  }

  get identityCount(): number {
    return this.bySid.size;
  }

  get subscriptionCount(): number {
    return this.subscriptions;
  }

  socketsOf(sid: string): ReadonlySet<HubSocket> | undefined {
    return this.bySid.get(sid);
  }

  count(sid: string): number {
    return this.bySid.get(sid)?.size ?? 0;
  }

  add(sock: HubSocket): void {
    let set = this.bySid.get(sock.sid);
    const first = !set;
    if (!set) this.bySid.set(sock.sid, (set = new Set()));
    if (!set.has(sock)) {
      set.add(sock);
      this.authenticated++;
    }
    if (first) this.listener?.identityAdded(sock.sid);
  }

  /** Removes the socket and all its presence subscriptions. */
  remove(sock: HubSocket): void {
    const set = this.bySid.get(sock.sid);
    if (set?.delete(sock)) {
      this.authenticated--;
      if (set.size === 0) {
        this.bySid.delete(sock.sid);
        this.listener?.identityRemoved(sock.sid);
      }
    }
    for (const target of sock.subs) this.unwatch(sock, target);
  }

  watch(sock: HubSocket, target: string): void {
    let set = this.watchers.get(target);
    const first = !set;
    if (!set) this.watchers.set(target, (set = new Set()));
    if (!set.has(sock)) {
      set.add(sock);
      this.subscriptions++;
    }
    sock.subs.add(target);
    if (first) this.listener?.watchAdded(target);
  }

  unwatch(sock: HubSocket, target: string): void {
    sock.subs.delete(target);
    const set = this.watchers.get(target);
    if (!set?.delete(sock)) return;
    this.subscriptions--;
    if (set.size === 0) {
      this.watchers.delete(target);
      this.listener?.watchRemoved(target);
    }
  }

  dispatch(sid: string, msg: BusMessage, exceptConn?: number): void {
    const set = this.bySid.get(sid);
    if (!set) return;
    for (const sock of set) {
      if (sock.id === exceptConn) {
        if (msg.kind === 'entry') sock.skipEntry(msg.offset);
        continue;
      }
      switch (msg.kind) {
        case 'entry':
          sock.deliverEntry(msg.type, msg.offset, msg.text);
          break;
        case 'frame':
          sock.deliverFrame(msg.type, msg.text);
          break;
        case 'grant':
          sock.holdGrant(msg.grant);
          break;
        case 'revoke':
          sock.revokeFrom(msg.from, msg.iat);
          break;
      }
    }
  }

  /** Every socket of sid (or of every identity here) catches up from the store. */
  resync(sid?: string): void {
    if (sid !== undefined) {
      for (const sock of this.bySid.get(sid) ?? []) sock.resync();
      return;
    }
    for (const set of this.bySid.values()) for (const sock of set) sock.resync();
  }

  notifyPresence(sid: string, online: boolean, ts: number): void {
    const set = this.watchers.get(sid);
    if (!set) return;
    const text = presenceText(sid, online, ts);
    const now = this.clock();
    for (const sock of [...set]) {
      // A grant that lapsed or was revoked since the subscription ends it, quietly.
      if (sock.mayObserve(sid, now)) sock.deliverFrame('presence', text);
      else this.unwatch(sock, sid);
    }
  }
}

/** The single-instance bus: dispatch straight to this process's Hub. */
export class LocalBus implements Bus {
  constructor(private readonly hub: Hub) {}

  toIdentity(sid: string, msg: BusMessage, exceptConn?: number): void {
    this.hub.dispatch(sid, msg, exceptConn);
  }

  presence(sid: string, online: boolean, ts: number): void {
    this.hub.notifyPresence(sid, online, ts);
  }

  async close(): Promise<void> {}
}
