// Who is connected here, and the one seam for reaching them. Handlers never look sockets up
// themselves: they hand a BusMessage to the Bus, whose local implementation dispatches through the
// Hub. The Redis bus (redisBus.ts) also publishes the same messages to the other instances, each of
// which dispatches to its own Hub, so no handler changes when the relay becomes several processes.
// The Hub tells a listener when an identity gets its first or loses its last socket here, and when
// a target gets its first or loses its last local watcher: that is what a distributed bus
// subscribes to, so no instance receives traffic for users it holds no socket of.
import type { Grant, ServerFrameType } from '../../protocol/index.ts';
import type { EntryKind, FrameText } from './store/types.ts';
import { presenceText } from './transport/wire.ts';

/** Everything one instance may be asked to do for the sockets of one Session ID. JSON-safe. */
export type BusMessage =
  /** A stream entry (its text carries the offset): sent in order, or caught up from the store. */
  | { readonly kind: 'entry'; readonly type: EntryKind; readonly offset: number; readonly text: FrameText }
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
  /** Session IDs whose presence this socket subscribed to; the Hub creates it on the first watch. */
  subs: Set<string> | undefined;
  deliverEntry(type: EntryKind, offset: number, text: FrameText): void;
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

/**
 * Sockets by key: the socket itself while there is one, a Set from the second on. Most identities
 * have one device here and most presence targets one watcher, and a Set of one costs ~150 bytes.
 * A key is present exactly while it has a socket.
 */
class SocketsBy {
  private readonly map = new Map<string, HubSocket | Set<HubSocket>>();

  get size(): number {
    return this.map.size;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  values(): IterableIterator<HubSocket | Set<HubSocket>> {
    return this.map.values();
  }

  get(key: string): HubSocket | Set<HubSocket> | undefined {
    return this.map.get(key);
  }

  count(key: string): number {
    const cur = this.map.get(key);
    return cur === undefined ? 0 : cur instanceof Set ? cur.size : 1;
  }

  /** False when sock was there already. */
  add(key: string, sock: HubSocket): boolean {
    const cur = this.map.get(key);
    if (cur === undefined) {
      this.map.set(key, sock);
      return true;
    }
    if (cur === sock) return false;
    if (cur instanceof Set) {
      if (cur.has(sock)) return false;
      cur.add(sock);
      return true;
    }
    this.map.set(key, new Set([cur, sock]));
    return true;
  }

  /** False when sock was not there. */
  delete(key: string, sock: HubSocket): boolean {
    const cur = this.map.get(key);
    if (cur === sock) {
      this.map.delete(key);
      return true;
    }
    if (!(cur instanceof Set) || !cur.delete(sock)) return false;
    if (cur.size === 1) this.map.set(key, cur.values().next().value!);
    return true;
  }
}

/** An identity's sockets here, as presence sees them: none, all visible, or at least one hiding. */
export type LocalVisibility = 'absent' | 'visible' | 'hidden';

export class Hub {
  private readonly bySid = new SocketsBy();
  /** target Session ID → sockets subscribed to its presence. */
  private readonly watchers = new SocketsBy();
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

  /** sid's sockets as a Set. Builds one for a single socket: visibility() answers without that. */
  socketsOf(sid: string): ReadonlySet<HubSocket> | undefined {
    const cur = this.bySid.get(sid);
    return cur === undefined || cur instanceof Set ? cur : new Set([cur]);
  }

  visibility(sid: string): LocalVisibility {
    const cur = this.bySid.get(sid);
    if (cur === undefined) return 'absent';
    if (!(cur instanceof Set)) return cur.hidden ? 'hidden' : 'visible';
    // At most MAX_DEVICES_PER_ID sockets: this loop never grows with the user count.
    for (const s of cur) if (s.hidden) return 'hidden';
    return 'visible';
  }

  count(sid: string): number {
    return this.bySid.count(sid);
  }

  add(sock: HubSocket): void {
    const first = this.bySid.count(sock.sid) === 0;
    if (this.bySid.add(sock.sid, sock)) this.authenticated++;
    if (first) this.listener?.identityAdded(sock.sid);
  }

  /** Removes the socket and all its presence subscriptions. */
  remove(sock: HubSocket): void {
    if (this.bySid.delete(sock.sid, sock)) {
      this.authenticated--;
      if (this.bySid.count(sock.sid) === 0) this.listener?.identityRemoved(sock.sid);
    }
    const subs = sock.subs;
    if (subs !== undefined) for (const target of subs) this.unwatch(sock, target);
  }

  watch(sock: HubSocket, target: string): void {
    const first = this.watchers.count(target) === 0;
    if (this.watchers.add(target, sock)) this.subscriptions++;
    (sock.subs ??= new Set()).add(target);
    if (first) this.listener?.watchAdded(target);
  }

  unwatch(sock: HubSocket, target: string): void {
    sock.subs?.delete(target);
    if (!this.watchers.delete(target, sock)) return;
    this.subscriptions--;
    if (this.watchers.count(target) === 0) this.listener?.watchRemoved(target);
  }

  dispatch(sid: string, msg: BusMessage, exceptConn?: number): void {
    const cur = this.bySid.get(sid);
    if (cur === undefined) return;
    if (!(cur instanceof Set)) return deliver(cur, msg, exceptConn);
    for (const sock of cur) deliver(sock, msg, exceptConn);
  }

  /** Every socket of sid (or of every identity here) catches up from the store. */
  resync(sid?: string): void {
    if (sid !== undefined) {
      const cur = this.bySid.get(sid);
      if (cur !== undefined) resyncAll(cur);
      return;
    }
    for (const cur of this.bySid.values()) resyncAll(cur);
  }

  notifyPresence(sid: string, online: boolean, ts: number): void {
    const cur = this.watchers.get(sid);
    if (cur === undefined) return;
    const text = presenceText(sid, online, ts);
    const now = this.clock();
    if (!(cur instanceof Set)) return this.tellPresence(cur, sid, text, now);
    // Copied: unwatch changes the set while it is walked.
    for (const sock of [...cur]) this.tellPresence(sock, sid, text, now);
  }

  private tellPresence(sock: HubSocket, sid: string, text: string, now: number): void {
    // A grant that lapsed or was revoked since the subscription ends it, quietly.
    if (sock.mayObserve(sid, now)) sock.deliverFrame('presence', text);
    else this.unwatch(sock, sid);
  }
}

function deliver(sock: HubSocket, msg: BusMessage, exceptConn: number | undefined): void {
  if (sock.id === exceptConn) {
    if (msg.kind === 'entry') sock.skipEntry(msg.offset);
    return;
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

function resyncAll(cur: HubSocket | Set<HubSocket>): void {
  if (cur instanceof Set) for (const sock of cur) sock.resync();
  else cur.resync();
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
