// One Session ID's mailbox stream. Every removal (TTL or ack) takes a prefix and every append
// takes head + 1, so the held entries always have contiguous offsets ending at head: finding an
// offset is arithmetic, not a search.
import type { FrameText, NewEntry, StoredEntry } from '../types.ts';

/** Store-wide aggregates, kept up to date by every stream so counts() never scans. */
export interface Totals {
  streams: number;
  entries: number;
  bytes: number;
}

/** A device that may still resume from what it acked. */
interface Device {
  readonly id: string;
  lastSeen: number;
  acked: number;
}

/** What a stream holds while it holds anything: idle streams (most of them) carry none of it. */
interface Held {
  entries: (StoredEntry | undefined)[];
  start: number;
  bytes: number;
  /** Index in `entries` before which every frame has bytes of its own (compact()). */
  compacted: number;
  /**
   * Envelope id → offset, for idempotent appends; only ids still held. Made once the stream holds
   * more than INDEX_FROM entries: below that a scan is cheaper than the two Maps a stream that
   * empties after every message (most of them, in a conversation) would make per message.
   */
  ids: Map<string, number> | undefined;
  /** Sender → what its held envelopes take (MAILBOX_SENDER_SHARE); made with `ids`. */
  senders: Map<string, SenderUse> | undefined;
}

/** Held entries up to which envelope() and senderUse() scan instead of keeping Maps. */
const INDEX_FROM = 16;

/** Entries and bytes one sender's envelopes hold in a stream. */
export interface SenderUse {
  entries: number;
  bytes: number;
}

const NO_USE: Readonly<SenderUse> = { entries: 0, bytes: 0 };
const NOTHING: readonly StoredEntry[] = Object.freeze([]);

export class Stream {
  head: number;
  /** Highest offset any device acked: envelopes up to here were already reported delivered. */
  private deliveredUpTo: number;
  private lastTs = -Infinity;
  private readonly totals: Totals;
  private held: Held | undefined = undefined;
  /** The one device, or a map from the second on: most identities have one. */
  private devices: Device | Map<string, Device> | undefined = undefined;

  constructor(head: number, totals: Totals) {
    this.head = head;
    this.deliveredUpTo = head;
    this.totals = totals;
  }

  get length(): number {
    const h = this.held;
    return h === undefined ? 0 : h.entries.length - h.start;
  }

  get bytes(): number {
    return this.held?.bytes ?? 0;
  }

  get deviceCount(): number {
    const d = this.devices;
    return d === undefined ? 0 : d instanceof Map ? d.size : 1;
  }

  /** Envelope ids held (debugSizes): the index's size, or a scan below INDEX_FROM. */
  get idCount(): number {
    const h = this.held;
    if (h === undefined) return 0;
    if (h.ids !== undefined) return h.ids.size;
    let n = 0;
    for (let i = h.start; i < h.entries.length; i++) if (h.entries[i]!.kind === 'envelope') n++;
    return n;
  }

  /** Nothing held and no device that could still resume from head. */
  get idle(): boolean {
    return this.held === undefined && this.devices === undefined;
  }

  private get firstOffset(): number {
    return this.head - this.length + 1;
  }

  get(offset: number): StoredEntry | undefined {
    const h = this.held;
    if (h === undefined) return undefined;
    const i = offset - this.firstOffset;
    return i >= 0 && i < this.length ? h.entries[h.start + i] : undefined;
  }

  /** What `from`'s envelopes hold here now. */
  senderUse(from: string): Readonly<SenderUse> {
    const h = this.held;
    if (h === undefined) return NO_USE;
    if (h.senders !== undefined) return h.senders.get(from) ?? NO_USE;
    let entries = 0;
    let bytes = 0;
    for (let i = h.start; i < h.entries.length; i++) {
      const e = h.entries[i]!;
      if (e.kind === 'envelope' && e.from === from) {
        entries++;
        bytes += e.text.length;
      }
    }
    return entries === 0 ? NO_USE : { entries, bytes };
  }

  envelope(id: string): StoredEntry | undefined {
    const h = this.held;
    if (h === undefined) return undefined;
    if (h.ids !== undefined) {
      const offset = h.ids.get(id);
      return offset === undefined ? undefined : this.get(offset);
    }
    for (let i = h.start; i < h.entries.length; i++) {
      const e = h.entries[i]!;
      if (e.kind === 'envelope' && e.id === id) return e;
    }
    return undefined;
  }

  /** The text the next append would store: the offset spliced in, the ciphertext never re-serialised. */
  nextText(entry: NewEntry): string {
    return '{"offset":' + (this.head + 1) + ',' + (entry.body ?? entry.frame.slice(1));
  }

  push(entry: NewEntry, text: string, now: number): StoredEntry {
    const offset = ++this.head;
    // Clamped so entries stay in time order if the clock steps back: TTL drops from the front.
    const ts = Math.max(now, this.lastTs);
    this.lastTs = ts;
    // The frame is held as bytes, off the JS heap: until its ack every scavenge would copy a string
    // (docs/performance.md "Held frames off the heap"). Buffer.from takes them from Node's pool.
    const bytes = Buffer.from(text, 'utf8');
    const stored: StoredEntry =
      entry.from === undefined
        ? { offset, kind: entry.kind, id: entry.id, text: bytes, ts }
        : { offset, kind: entry.kind, id: entry.id, from: entry.from, text: bytes, ts };
    let h = this.held;
    if (h === undefined) {
      // Made holding its first entry: `[]` then push would reserve room for 17 (V8's growth).
      this.held = h = { entries: [stored], start: 0, bytes: 0, compacted: 0, ids: undefined, senders: undefined };
      this.totals.streams++;
    } else {
      h.entries.push(stored);
    }
    // Frames are ASCII (hex ids, base64, Session IDs, numbers), so length is the UTF-8 size.
    h.bytes += text.length;
    this.totals.entries++;
    this.totals.bytes += text.length;
    if (h.ids !== undefined) index(h, stored);
    else if (h.entries.length - h.start > INDEX_FROM) {
      h.ids = new Map();
      h.senders = new Map();
      for (let i = h.start; i < h.entries.length; i++) index(h, h.entries[i]!);
    }
    return stored;
  }

  after(after: number, max: number): StoredEntry[] {
    const h = this.held;
    if (h === undefined) return [];
    const i = h.start + Math.max(0, after + 1 - this.firstOffset);
    return h.entries.slice(i, i + Math.max(0, max)) as StoredEntry[];
  }

  /** Registers or refreshes a device; a new one has acked nothing, so it holds everything held. */
  touch(deviceId: string, now: number): Device {
    const ds = this.devices;
    let d = ds === undefined ? undefined : ds instanceof Map ? ds.get(deviceId) : ds.id === deviceId ? ds : undefined;
    if (d === undefined) {
      d = { id: deviceId, lastSeen: now, acked: 0 };
      if (ds === undefined) this.devices = d;
      else if (ds instanceof Map) ds.set(deviceId, d);
      else
        this.devices = new Map([
          [ds.id, ds],
          [deviceId, d],
        ]);
    } else if (now > d.lastSeen) {
      d.lastSeen = now;
    }
    return d;
  }

  /** Returns the envelopes from others that this ack delivered for the first time. */
  ack(sid: string, deviceId: string, offset: number, now: number): readonly StoredEntry[] {
    // An ack proves the device is alive, and offsets past head were never sent to it.
    const d = this.touch(deviceId, now);
    d.acked = Math.max(d.acked, Math.min(offset, this.head));
    let delivered: StoredEntry[] | undefined;
    if (d.acked > this.deliveredUpTo) {
      for (let o = Math.max(this.deliveredUpTo + 1, this.firstOffset); o <= d.acked; o++) {
        const e = this.get(o);
        // Copies a device sends to its own identity need no delivered notice.
        if (e !== undefined && e.kind === 'envelope' && e.from !== sid) (delivered ??= []).push(e);
      }
      this.deliveredUpTo = d.acked;
    }
    // Most acks (of delivered notices, of one's own copies) deliver nothing: no array for them.
    return delivered ?? NOTHING;
  }

  /**
   * Applies the TTL to entries and devices, then drops what every device seen within the TTL has
   * acked. A device that has gone unseen that long no longer holds anything: whatever it missed
   * has expired anyway.
   */
  maintain(now: number, ttlMs: number): void {
    const cutoff = now - ttlMs;
    while (this.held !== undefined && this.held.entries[this.held.start]!.ts <= cutoff) this.shift();
    const floor = this.forgetDevices(cutoff);
    // With no live device nobody has acked anything: entries wait for one, or for the TTL.
    if (floor !== Infinity) while (this.held !== undefined && this.firstOffset <= floor) this.shift();
  }

  /** Drops the devices unseen since cutoff; returns the lowest ack of the others (Infinity: none). */
  private forgetDevices(cutoff: number): number {
    const ds = this.devices;
    if (ds === undefined) return Infinity;
    if (!(ds instanceof Map)) {
      if (ds.lastSeen > cutoff) return ds.acked;
      this.devices = undefined;
      return Infinity;
    }
    let floor = Infinity;
    for (const [id, d] of ds) {
      if (d.lastSeen <= cutoff) ds.delete(id);
      else if (d.acked < floor) floor = d.acked;
    }
    if (ds.size <= 1) this.devices = ds.values().next().value;
    return floor;
  }

  /**
   * Gives every frame held since at or before `cutoff` bytes of its own. Node's pool hands out
   * 8 KB slabs shared by consecutive buffers: a frame acked in milliseconds frees its share with
   * the others, but one held for an offline device would keep its whole slab alive, up to ~10×
   * the bytes the mailbox limits count. The sweeper calls this; most frames never reach it.
   */
  compact(cutoff: number): void {
    const h = this.held;
    if (h === undefined) return;
    let i = Math.max(h.compacted, h.start);
    for (; i < h.entries.length; i++) {
      const e = h.entries[i]!;
      if (e.ts > cutoff) break;
      const own = ownBytes(e.text);
      if (own !== e.text) h.entries[i] = { ...e, text: own };
    }
    h.compacted = i;
  }

  /** Drops the oldest entry; the held part goes with the last one. */
  private shift(): void {
    const h = this.held!;
    const e = h.entries[h.start]!;
    h.entries[h.start++] = undefined;
    h.bytes -= e.text.length;
    this.totals.entries--;
    this.totals.bytes -= e.text.length;
    if (h.start === h.entries.length) {
      this.held = undefined;
      this.totals.streams--;
      return;
    }
    if (h.start >= 32 && h.start * 2 >= h.entries.length) {
      h.entries = h.entries.slice(h.start);
      h.compacted = Math.max(0, h.compacted - h.start);
      h.start = 0;
    }
    if (e.kind === 'envelope' && h.ids?.get(e.id) === e.offset) h.ids.delete(e.id);
    if (e.kind === 'envelope' && e.from !== undefined) {
      const use = h.senders?.get(e.from);
      if (use !== undefined && --use.entries <= 0) h.senders!.delete(e.from);
      else if (use !== undefined) use.bytes -= e.text.length;
    }
  }
}

/** The frame in a buffer that owns its memory (not a view into a shared slab). */
export function ownBytes(text: FrameText): FrameText {
  if (typeof text === 'string' || text.byteLength === text.buffer.byteLength) return text;
  const own = Buffer.allocUnsafeSlow(text.byteLength);
  text.copy(own);
  return own;
}

/** Adds an entry to the id and sender indexes (Held.ids, Held.senders). */
function index(h: Held, e: StoredEntry): void {
  if (e.kind !== 'envelope') return;
  h.ids!.set(e.id, e.offset);
  if (e.from === undefined) return;
  const use = h.senders!.get(e.from);
  if (use === undefined) h.senders!.set(e.from, { entries: 1, bytes: e.text.length });
  else {
    use.entries++;
    use.bytes += e.text.length;
  }
}
