// A map whose entries expire. Each map is written with one TTL, so insertion order (a refreshed key
// moves to the back) is expiry order and pruning pops from the front: O(1) amortised per write,
// never a scan. Mixed TTLs only delay pruning of an entry behind a longer-lived one.

interface Slot<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/** Most entries one write prunes, so a backlog after an idle spell is paid off gradually. */
const PRUNE_PER_WRITE = 64;

export class ExpiringMap<K, V> {
  private readonly map = new Map<K, Slot<V>>();

  get size(): number {
    return this.map.size;
  }

  /** The live slot for key, or undefined (an expired one is dropped on the way). */
  slot(key: K, now: number): Slot<V> | undefined {
    const s = this.map.get(key);
    if (s === undefined) return undefined;
    if (s.expiresAt <= now) {
      this.map.delete(key);
      return undefined;
    }
    return s;
  }

  get(key: K, now: number): V | undefined {
    return this.slot(key, now)?.value;
  }

  set(key: K, value: V, expiresAt: number, now: number): void {
    this.map.delete(key);
    this.map.set(key, { value, expiresAt });
    this.prune(now, PRUNE_PER_WRITE);
  }

  prune(now: number, max: number): void {
    let n = 0;
    for (const [key, s] of this.map) {
      if (n++ >= max || s.expiresAt > now) break;
      this.map.delete(key);
    }
  }
}
