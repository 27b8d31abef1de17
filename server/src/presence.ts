// Presence: an identity is online while at least one of its sockets is connected and none of them
// asked to hide. Going offline after a disconnect waits PRESENCE_DEBOUNCE, so a reconnect (network
// switch, page reload) does not flap; hiding takes effect at once. Only subscribers are told.
//
// One instance decides alone (memory store). Several instances (Redis) each write their own view
// of an identity (visible, hidden or absent) to a shared PresenceDirectory, which combines the
// views of every live instance, remembers what subscribers were last told, and publishes each
// change itself (redisPresence.ts): this class keeps the debounce and the per-identity order.
import type { Bus, Hub } from './hub.ts';
import type { Logger } from './log.ts';

/** One instance's view of an identity. */
export type LocalPresence = 'visible' | 'hidden' | 'absent';

/** Presence shared by several instances. Changes of the combined state are published by it. */
export interface PresenceDirectory {
  /** Records this instance's view of sid (ts: when, for the published frame). */
  set(sid: string, state: LocalPresence, ts: number): Promise<void>;
  /** What sid's subscribers were last told, on every instance. */
  isOnline(sid: string): Promise<boolean>;
  /** cb runs when the directory may have lost what this instance wrote (Redis came back, or this instance was taken for dead). */
  onRewrite(cb: () => void): void;
}

export class Presence {
  /**
   * Alone: identities whose subscribers were last told "online". Shared: identities this
   * instance last wrote as visible.
   */
  private readonly online = new Set<string>();
  private readonly offlineTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;
  /** Shared: the view this instance wants the directory to hold, per identity (absent: no entry once written). */
  private readonly wanted = new Map<string, LocalPresence>();
  /** Shared: identities whose view must be (re)written; each is written by one flush at a time. */
  private readonly dirty = new Set<string>();
  private readonly flushing = new Set<string>();
  private writeFailing = false;

  constructor(
    private readonly hub: Hub,
    private readonly bus: Bus,
    private readonly clock: () => number,
    private readonly debounceMs: number,
    private readonly directory?: PresenceDirectory,
    private readonly log?: Logger,
  ) {
    directory?.onRewrite(() => this.rewriteAll());
  }

  /** What a new subscriber is told: the published state, debounce included. */
  isOnline(sid: string): boolean | Promise<boolean> {
    return this.directory ? this.directory.isOnline(sid) : this.online.has(sid);
  }

  get onlineCount(): number {
    return this.online.size;
  }

  /**
   * Re-evaluates sid after one of its sockets authenticated, closed or changed its privacy.
   * `immediate` skips the debounce (an explicit hide must not linger).
   */
  update(sid: string, immediate = false): void {
    if (this.closed) return;
    if (this.directory) return this.updateShared(sid, immediate);
    if (this.visible(sid)) {
      this.cancelTimer(sid);
      if (!this.online.has(sid)) {
        this.online.add(sid);
        this.bus.presence(sid, true, this.clock());
      }
      return;
    }
    if (!this.online.has(sid)) return;
    if (immediate || this.debounceMs <= 0) {
      this.cancelTimer(sid);
      this.goOffline(sid);
      return;
    }
    if (this.offlineTimers.has(sid)) return;
    const timer = setTimeout(() => {
      this.offlineTimers.delete(sid);
      if (!this.visible(sid) && this.online.has(sid)) this.goOffline(sid);
    }, this.debounceMs);
    timer.unref();
    this.offlineTimers.set(sid, timer);
  }

  close(): void {
    this.closed = true;
    for (const t of this.offlineTimers.values()) clearTimeout(t);
    this.offlineTimers.clear();
  }

  private visible(sid: string): boolean {
    const sockets = this.hub.socketsOf(sid);
    if (!sockets || sockets.size === 0) return false;
    // At most MAX_DEVICES_PER_ID sockets: this loop never grows with the user count.
    for (const s of sockets) if (s.hidden) return false;
    return true;
  }

  private goOffline(sid: string): void {
    this.online.delete(sid);
    this.bus.presence(sid, false, this.clock());
  }

  private cancelTimer(sid: string): void {
    const t = this.offlineTimers.get(sid);
    if (t !== undefined) {
      clearTimeout(t);
      this.offlineTimers.delete(sid);
    }
  }

  // ---- shared (several instances) ---------------------------------------------------------------

  private localState(sid: string): LocalPresence {
    const sockets = this.hub.socketsOf(sid);
    if (!sockets || sockets.size === 0) return 'absent';
    for (const s of sockets) if (s.hidden) return 'hidden';
    return 'visible';
  }

  private updateShared(sid: string, immediate: boolean): void {
    const state = this.localState(sid);
    // A socket here, visible or hiding, is told at once; only leaving waits for the debounce.
    if (state !== 'absent' || immediate || this.debounceMs <= 0) {
      this.cancelTimer(sid);
      this.want(sid, state);
      return;
    }
    if (!this.wanted.has(sid) || this.offlineTimers.has(sid)) return;
    const timer = setTimeout(() => {
      this.offlineTimers.delete(sid);
      if (!this.closed && this.localState(sid) === 'absent') this.want(sid, 'absent');
    }, this.debounceMs);
    timer.unref();
    this.offlineTimers.set(sid, timer);
  }

  private want(sid: string, state: LocalPresence): void {
    const had = this.wanted.get(sid) ?? 'absent';
    if (had === state && !this.dirty.has(sid)) return;
    this.wanted.set(sid, state);
    if (state === 'visible') this.online.add(sid);
    else this.online.delete(sid);
    this.dirty.add(sid);
    void this.flush(sid);
  }

  /** Writes sid's latest wanted view, one write at a time per identity, so views land in order. */
  private async flush(sid: string): Promise<void> {
    if (this.flushing.has(sid)) return;
    this.flushing.add(sid);
    try {
      while (this.dirty.delete(sid)) {
        const state = this.wanted.get(sid) ?? 'absent';
        try {
          await this.directory!.set(sid, state, this.clock());
        } catch (err) {
          // Kept in `wanted`: the next rewrite (Redis back) writes it again. Said once per outage.
          if (!this.writeFailing) this.log?.warn('presence_write_failed', { error: err instanceof Error ? err.message : String(err) });
          this.writeFailing = true;
          return;
        }
        this.writeFailing = false;
        if (state === 'absent' && this.wanted.get(sid) === 'absent' && !this.dirty.has(sid)) this.wanted.delete(sid);
      }
    } finally {
      this.flushing.delete(sid);
    }
  }

  /** Writes every view this instance holds again (absent ones still unwritten included). */
  private rewriteAll(): void {
    for (const sid of this.wanted.keys()) {
      this.dirty.add(sid);
      void this.flush(sid);
    }
  }
}
