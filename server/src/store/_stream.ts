// One Session ID's mailbox stream. Every removal (TTL or ack) takes a prefix and every append
// takes head + 1, so the held entries always have contiguous offsets ending at head: finding an
// offset is arithmetic, not a search.
import type { NewEntry, StoredEntry } from './types.ts';

/** Store-wide aggregates, kept up to date by every stream so counts() never scans. */
export interface Totals {
  streams: number;
  entries: number;
  bytes: number;
}

interface Device {
  lastSeen: number;
  acked: number;
}

export class Stream {
  head: number;
  bytes = 0;
  /** Highest offset any device acked: envelopes up to here were already reported delivered. */
  private deliveredUpTo: number;
  private entries: (StoredEntry | undefined)[] = [];
  private start = 0;
  private lastTs = -Infinity;
  private readonly totals: Totals;
  /** Envelope id → offset, for idempotent appends; only ids still held. */
  private readonly ids = new Map<string, number>();
  private readonly devices = new Map<string, Device>();

  constructor(head: number, totals: Totals) {
    this.head = head;
    this.deliveredUpTo = head;
    this.totals = totals;
  }

  get length(): number {
    return this.entries.length - this.start;
  }

  get deviceCount(): number {
    return this.devices.size;
  }

  get idCount(): number {
    return this.ids.size;
  }

  /** Nothing held and no device that could still resume from head. */
  get idle(): boolean {
    return this.length === 0 && this.devices.size === 0;
  }

  private get firstOffset(): number {
    return this.head - this.length + 1;
  }

  get(offset: number): StoredEntry | undefined {
    const i = offset - this.firstOffset;
    return i >= 0 && i < this.length ? this.entries[this.start + i] : undefined;
  }

  envelope(id: string): StoredEntry | undefined {
    const offset = this.ids.get(id);
    return offset === undefined ? undefined : this.get(offset);
  }

  /** The text the next append would store: the offset spliced in, the ciphertext never re-serialised. */
  nextText(frame: string): string {
    return '{"offset":' + (this.head + 1) + ',' + frame.slice(1);
  }

  push(entry: NewEntry, text: string, now: number): StoredEntry {
    const offset = ++this.head;
    // Clamped so entries stay in time order if the clock steps back: TTL drops from the front.
    const ts = Math.max(now, this.lastTs);
    this.lastTs = ts;
    const stored: StoredEntry =
      entry.from === undefined
        ? { offset, kind: entry.kind, id: entry.id, text, ts }
        : { offset, kind: entry.kind, id: entry.id, from: entry.from, text, ts };
    if (this.length === 0) this.totals.streams++;
    this.entries.push(stored);
    // Frames are ASCII (hex ids, base64, Session IDs, numbers), so length is the UTF-8 size.
    this.bytes += text.length;
    this.totals.entries++;
    this.totals.bytes += text.length;
    if (entry.kind === 'envelope') this.ids.set(entry.id, offset);
    return stored;
  }

  after(after: number, max: number): StoredEntry[] {
    const first = this.firstOffset;
    const i = this.start + Math.max(0, after + 1 - first);
    return this.entries.slice(i, i + Math.max(0, max)) as StoredEntry[];
  }

  /** Registers or refreshes a device; a new one has acked nothing, so it holds everything held. */
  touch(deviceId: string, now: number): Device {
    let d = this.devices.get(deviceId);
    if (d === undefined) {
      d = { lastSeen: now, acked: 0 };
      this.devices.set(deviceId, d);
    } else if (now > d.lastSeen) {
      d.lastSeen = now;
    }
    return d;
  }

  /** Returns the envelopes from others that this ack delivered for the first time. */
  ack(sid: string, deviceId: string, offset: number, now: number): StoredEntry[] {
    // An ack proves the device is alive, and offsets past head were never sent to it.
    const d = this.touch(deviceId, now);
    d.acked = Math.max(d.acked, Math.min(offset, this.head));
    const delivered: StoredEntry[] = [];
    if (d.acked > this.deliveredUpTo) {
      for (let o = Math.max(this.deliveredUpTo + 1, this.firstOffset); o <= d.acked; o++) {
        const e = this.get(o);
        // Copies a device sends to its own identity need no delivered notice.
        if (e !== undefined && e.kind === 'envelope' && e.from !== sid) delivered.push(e);
      }
      this.deliveredUpTo = d.acked;
    }
    return delivered;
  }

  /**
   * Applies the TTL to entries and devices, then drops what every device seen within the TTL has
   * acked. A device that has gone unseen that long no longer holds anything: whatever it missed
   * has expired anyway.
   */
  maintain(now: number, ttlMs: number): void {
    const cutoff = now - ttlMs;
    while (this.length > 0 && this.entries[this.start]!.ts <= cutoff) this.shift();
    let floor = Infinity;
    for (const [id, d] of this.devices) {
      if (d.lastSeen <= cutoff) this.devices.delete(id);
      else if (d.acked < floor) floor = d.acked;
    }
    // With no live device nobody has acked anything: entries wait for one, or for the TTL.
    if (floor !== Infinity) while (this.length > 0 && this.firstOffset <= floor) this.shift();
  }

  private shift(): void {
    const e = this.entries[this.start]!;
    this.entries[this.start++] = undefined;
    if (this.start === this.entries.length) {
      this.entries = [];
      this.start = 0;
    } else if (this.start >= 32 && this.start * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
    this.bytes -= e.text.length;
    this.totals.entries--;
    this.totals.bytes -= e.text.length;
    if (this.length === 0) this.totals.streams--;
    if (e.kind === 'envelope' && this.ids.get(e.id) === e.offset) this.ids.delete(e.id);
  }
}
