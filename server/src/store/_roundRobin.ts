// Maintenance over maps that may hold millions of keys: each call visits a bounded slice, and the
// next call goes on where it stopped, so a timer's cost does not grow with the user count.

export class RoundRobin<K, V> {
  private cursor: Iterator<[K, V]> | undefined;

  constructor(private readonly map: Map<K, V>) {}

  /**
   * Calls `fn` on up to `max` entries from where the previous call stopped, wrapping to the front
   * at most once (the map may have emptied meanwhile). `fn` may delete the entry it is given: a Map
   * iterator survives deletions. Returns how many entries it visited.
   */
  visit(max: number, fn: (key: K, value: V) => void): number {
    const n = Math.min(max, this.map.size);
    let visited = 0;
    let wrapped = false;
    while (visited < n) {
      this.cursor ??= this.map.entries();
      const next = this.cursor.next();
      if (next.done === true) {
        this.cursor = undefined;
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      visited++;
      fn(next.value[0], next.value[1]);
    }
    return visited;
  }
}
