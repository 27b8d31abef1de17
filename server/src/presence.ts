// Presence: an identity is online while at least one of its sockets is connected and none of them
// asked to hide. Going offline after a disconnect waits PRESENCE_DEBOUNCE, so a reconnect (network
// switch, page reload) does not flap; hiding takes effect at once. Only subscribers are told.
import type { Bus, Hub } from './hub.ts';

export class Presence {
  /** Identities whose subscribers were last told "online". */
  private readonly online = new Set<string>();
  private readonly offlineTimers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly hub: Hub,
    private readonly bus: Bus,
    private readonly clock: () => number,
    private readonly debounceMs: number,
  ) {}

  /** What a new subscriber is told: the published state, debounce included. */
  isOnline(sid: string): boolean {
    return this.online.has(sid);
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
}
