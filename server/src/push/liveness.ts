// Which devices of an identity have a live socket, anywhere. A push goes only to a device with
// none. Each device also has a generation, bumped whenever it connects: a push queue that saw an
// older generation knows the device has been online since (it fetched what was pending) and starts
// its list of pending items afresh.
export interface DeviceState {
  readonly live: boolean;
  readonly gen: number;
}

export interface DeviceLiveness {
  online(sid: string, deviceId: string): void;
  offline(sid: string, deviceId: string): void;
  /** Devices of sid known to have connected (absent: never seen since the state was kept). */
  states(sid: string): Promise<ReadonlyMap<string, DeviceState>>;
  close(): void;
}

/** One instance: its own sockets are all there is. Entries go when a device has no socket left. */
export class LocalLiveness implements DeviceLiveness {
  private readonly bySid = new Map<string, Map<string, { n: number; gen: number }>>();
  /** Generations of devices that went offline, kept so a later connect still bumps past them. */
  private readonly gens = new Map<string, number>();

  online(sid: string, deviceId: string): void {
    const devices = this.bySid.get(sid) ?? new Map<string, { n: number; gen: number }>();
    this.bySid.set(sid, devices);
    const key = sid + '|' + deviceId;
    const d = devices.get(deviceId) ?? { n: 0, gen: this.gens.get(key) ?? 0 };
    d.n++;
    d.gen++;
    this.gens.delete(key);
    this.gens.set(key, d.gen);
    devices.set(deviceId, d);
    // Bounded: the oldest generations are forgotten first (a forgotten one restarts at 1, which a
    // queue holding that device's items reads as "changed": at worst one list starts afresh).
    if (this.gens.size > 100_000) this.gens.delete(this.gens.keys().next().value!);
  }

  offline(sid: string, deviceId: string): void {
    const devices = this.bySid.get(sid);
    const d = devices?.get(deviceId);
    if (!devices || !d) return;
    if (--d.n > 0) return;
    devices.delete(deviceId);
    if (devices.size === 0) this.bySid.delete(sid);
  }

  async states(sid: string): Promise<ReadonlyMap<string, DeviceState>> {
    const out = new Map<string, DeviceState>();
    for (const [d, s] of this.bySid.get(sid) ?? []) out.set(d, { live: true, gen: s.gen });
    return out;
  }

  close(): void {}
}
