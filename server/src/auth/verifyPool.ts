// Ed25519 verification and whole grant checks on worker threads, in batches: an auth costs ~0.2 ms
// of OpenSSL (key import + verify) and a reconnecting identity with 50 contacts 50 more for its
// grants, which on one event loop caps a server at ~2k authentications per core-second and stalls
// every other socket while a storm is verified. The main thread only writes each check into the
// turn's batch buffer of the worker that will run it, at the moment it is asked (no per-check
// object waits on a worker: a check is bytes in a buffer and an index into its request's verdicts);
// every check asked in one event-loop turn goes out in one message per worker (one setImmediate,
// like the writes in connection.ts), and each worker answers a batch with one message.
//
// Decisions are nativeVerify's and checkGrant's (verifyWorker.ts). A worker that dies is replaced
// and its batches are run again; a batch that kills a worker twice, and anything asked after
// close(), is decided on the main thread from the same bytes, so a caller always gets an answer.
import { hash } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { checkGrant, DOMAIN_GRANT, type Grant } from '../../../protocol/index.ts';
import { readGrantRecord, stageGrants, type StagedGrants } from './grantRecords.ts';
import {
  AUTHENTIC,
  GRANT,
  GRANT_KNOWN,
  GRANT_PEEK,
  HASH_BYTES,
  NOT_AUTHENTIC,
  SIG_CACHED,
  SIG_HEADER,
  SIG_ONCE,
  WORKER_SOURCE,
} from './verifyWorker.ts';

/** Verifies one signature on the calling thread: after close() and for a batch that kills workers. */
export type Fallback = (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean) => boolean;

/** The verdicts of one caller's checks: one promise however many checks it asked. */
class Request {
  pending = 0;
  constructor(
    readonly verdicts: Uint8Array,
    readonly done: (verdicts: Uint8Array) => void,
    /** Where each grant's record hash goes (HASH_BYTES at HASH_BYTES × index), if the caller wants them. */
    readonly hashes?: Uint8Array,
  ) {}

  set(i: number, verdict: number, hashes?: Uint8Array, from = 0): void {
    this.verdicts[i] = verdict;
    if (this.hashes && hashes) this.hashes.set(hashes.subarray(from, from + HASH_BYTES), i * HASH_BYTES);
    this.release();
  }

  release(): void {
    if (--this.pending === 0) this.done(this.verdicts);
  }
}

/** Records on their way to one worker: the bytes, and whose verdict each one is. */
interface Batch {
  id: number;
  buf: Buffer;
  len: number;
  readonly owners: Request[];
  readonly at: number[];
  attempts: number;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Batch>;
  /** This turn's batch, filling. */
  open: Batch | undefined;
  readonly sealed: Batch[];
  /**
   * Shared-memory buffers a batch is written into and the worker reads in place, back here once
   * answered: kept across turns, so batches leave no garbage (issue 14: growth garbage was ~140 KB
   * of external memory per connection in bench/heap.ts, alive until a GC an idle server does not
   * run), and posted without a copy (an exact copy at seal and the clone in postMessage were
   * ~10 % of a storm's main-thread CPU: fresh pages written twice per batch).
   */
  readonly free: Buffer[];
  freeBytes: number;
}

/** Records per message: large enough to amortise postMessage, small enough to spread over workers. */
const MAX_BATCH = 512;
/** For the batches decided on this thread after close(); they grow by doubling. */
const INITIAL_BYTES = 2048;
/** Authentic grants each worker remembers (a hash each): a process-wide 50,000 with one worker. */
const AUTHENTIC_MAX = 50_000;
export class VerifyPool {
  private readonly slots: Slot[] = [];
  private flushScheduled = false;
  private nextBatch = 1;
  private closed = false;
  private rr = 0;
  /** Workers replaced after dying (tests and /metrics may read it). */
  restarts = 0;
  /** Signatures the workers verified (a cached grant costs none): tests and /metrics. */
  verifications = 0;

  /**
   * @param size worker threads (≥ 1)
   * @param fallback verifies on the calling thread: after close() and for a batch that kills workers
   */
  constructor(
    readonly size: number,
    private readonly fallback: Fallback,
  ) {
    if (!(size >= 1)) throw new Error(`VerifyPool: size must be ≥ 1, got ${size}`);
    for (let i = 0; i < size; i++)
      this.slots.push({
        worker: this.spawn(i),
        inFlight: new Map(),
        open: undefined,
        sealed: [],
        free: [],
        freeBytes: 0,
      });
  }

  /** The signature check itself; the caller has done the strict-key and length checks. */
  verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): Promise<boolean> {
    if (this.closed) return Promise.resolve(this.fallback(sig, msg, pk, cache));
    return new Promise<boolean>((resolve) => {
      const r = new Request(new Uint8Array(1), (v) => resolve(v[0] === AUTHENTIC));
      const b = this.batchFor(cache ? (pk[0]! ^ pk[7]!) % this.size : this.rr++ % this.size, SIG_HEADER + msg.length);
      const o = b.len;
      b.buf[o] = cache ? SIG_CACHED : SIG_ONCE;
      b.buf.set(pk, o + 1);
      b.buf.set(sig, o + 33);
      b.buf.writeUInt32LE(msg.length, o + 97);
      b.buf.set(msg, o + SIG_HEADER);
      b.len = o + SIG_HEADER + msg.length;
      this.own(b, r, 0);
    });
  }

  /**
   * The authenticity half of checkGrant(g, holder) for each grant: AUTHENTIC where it would return
   * null at now = 0, NOT_AUTHENTIC where GRANT_INVALID (the only other answer when now = 0), and with
   * GRANT_PEEK, UNKNOWN where only the signature is left to check. One promise for the list.
   * `hashes` (HASH_BYTES per grant) receives each written grant's record hash.
   */
  checkGrants(
    grants: readonly Grant[],
    holder: string,
    kind: typeof GRANT | typeof GRANT_PEEK | typeof GRANT_KNOWN = GRANT,
    hashes?: Uint8Array,
  ): Promise<Uint8Array> {
    return this.submit(this.stage(grants, holder), kind, hashes);
  }

  /**
   * The grants' records, written now and checked when submitted: the auth handler stages a frame's
   * grants in the turn that parsed it, so the parsed grants die young instead of waiting out the
   * worker's queue (issue 14: in a cold storm they lived ~2 s, through two scavenges, and copying
   * them was most of the main thread's GC). Nothing is verified until submit.
   */
  stage(grants: readonly Grant[], holder: string): StagedGrants {
    return stageGrants(grants, holder, this.size);
  }

  /** Checks staged grants (stage) as `kind`: one promise for the list, as checkGrants. */
  submit(
    staged: StagedGrants,
    kind: typeof GRANT | typeof GRANT_PEEK | typeof GRANT_KNOWN = GRANT,
    hashes?: Uint8Array,
  ): Promise<Uint8Array> {
    return new Promise<Uint8Array>((resolve) => {
      const r = new Request(new Uint8Array(staged.n), resolve, hashes);
      r.pending = 1; // held until every grant is written, so an early answer cannot resolve it
      // Closed: the same records, decided here at the end.
      const here = this.closed ? newBatch(0) : undefined;
      const { at, buf } = staged;
      for (let k = 0; k < staged.count; k++) {
        const start = at[3 * k + 2]!;
        const end = k + 1 < staged.count ? at[3 * k + 5]! : buf.length;
        if (here) grow(here, end - start);
        const b = here ?? this.batchFor(at[3 * k + 1]!, end - start);
        buf.copy(b.buf, b.len, start, end);
        b.buf[b.len] = kind;
        b.len += end - start;
        this.own(b, r, at[3 * k]!);
      }
      if (here) this.decideHere(here);
      r.release();
    });
  }

  /** Terminates the workers; whatever they still held, and anything asked later, runs on this thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.slots) {
      const pending = [...s.inFlight.values(), ...s.sealed];
      if (s.open) pending.push(s.open);
      s.inFlight.clear();
      s.sealed.length = 0;
      s.open = undefined;
      for (const b of pending) this.decideHere(b);
    }
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Test hook: makes worker i throw, as a crash in OpenSSL or an out-of-memory would end it. */
  crashWorkerForTest(i: number): void {
    this.slots[i]!.worker.postMessage({ crash: true });
  }

  private spawn(index: number): Worker {
    const workerData = { domainGrant: DOMAIN_GRANT, authenticMax: AUTHENTIC_MAX };
    const w = new Worker(WORKER_SOURCE, { eval: true, name: `verify-${index}`, workerData });
    w.unref(); // an idle pool must not keep the process alive; ref'd while it holds work
    w.on('message', (m: { id: number; res: Uint8Array; hashes: Uint8Array; verified: number }) => this.onResult(index, m));
    // 'error' is followed by 'exit'; the replacement happens once, on exit.
    w.on('error', () => {});
    w.on('exit', () => this.onExit(index, w));
    return w;
  }

  /** The open batch of worker i with room for `bytes` more, started or grown as needed. */
  private batchFor(i: number, bytes: number): Batch {
    const slot = this.slots[i]!;
    let b = slot.open;
    if (b !== undefined && b.owners.length >= MAX_BATCH) {
      slot.sealed.push(b);
      b = undefined;
    }
    if (b === undefined) slot.open = b = { id: 0, buf: take(slot), len: 0, owners: [], at: [], attempts: 0 };
    const old = grow(b, bytes);
    if (old !== undefined) release(slot, old);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return b;
  }

  private own(b: Batch, r: Request, i: number): void {
    b.owners.push(r);
    b.at.push(i);
    r.pending++;
  }

  private flush(): void {
    this.flushScheduled = false;
    for (let i = 0; i < this.slots.length; i++) {
      const slot = this.slots[i]!;
      if (slot.open) slot.sealed.push(slot.open);
      slot.open = undefined;
      for (const b of slot.sealed) {
        b.id = this.nextBatch++;
        this.dispatch(i, b);
      }
      slot.sealed.length = 0;
    }
  }

  private dispatch(index: number, batch: Batch): void {
    const slot = this.slots[index]!;
    // Shared, not transferred: the worker reads the bytes in place, and the batch keeps them to run
    // them again if the worker dies; the buffer is reused only once the worker has answered.
    batch.attempts++;
    if (slot.inFlight.size === 0) slot.worker.ref();
    slot.inFlight.set(batch.id, batch);
    slot.worker.postMessage({ id: batch.id, buf: batch.buf, n: batch.owners.length });
  }

  private onResult(index: number, m: { id: number; res: Uint8Array; hashes: Uint8Array; verified: number }): void {
    const slot = this.slots[index]!;
    const batch = slot.inFlight.get(m.id);
    if (!batch) return;
    slot.inFlight.delete(m.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    this.verifications += m.verified;
    for (let i = 0; i < batch.owners.length; i++) batch.owners[i]!.set(batch.at[i]!, m.res[i]!, m.hashes, i * HASH_BYTES);
    // The worker read the bytes before it answered: the buffer may take the next batch.
    release(slot, batch.buf);
  }

  private onExit(index: number, w: Worker): void {
    const slot = this.slots[index]!;
    if (this.closed || slot.worker !== w) return;
    const lost = [...slot.inFlight.values()];
    slot.inFlight.clear();
    this.restarts++;
    slot.worker = this.spawn(index);
    for (const b of lost) {
      // Twice fatal: not the worker's bad luck but the input's; decide it here rather than loop.
      if (b.attempts >= 2) this.decideHere(b);
      else this.dispatch(index, b);
    }
  }

  /** A batch's records decided on this thread, from the bytes the worker would have read. */
  private decideHere(b: Batch): void {
    const buf = b.buf;
    let o = 0;
    for (let i = 0; i < b.owners.length; i++) {
      const kind = buf[o]!;
      let ok: boolean;
      let digest: Buffer | undefined;
      if (kind >= GRANT) {
        const { grant, end } = readGrantRecord(buf, o);
        digest = hash('sha256', buf.subarray(o + 1, end), 'buffer');
        o = end;
        // A peek or a known grant is simply checked in full here: the same answer, rarely.
        ok = this.fallbackGrant(grant);
      } else {
        const len = buf.readUInt32LE(o + 97);
        const msg = buf.subarray(o + SIG_HEADER, o + SIG_HEADER + len);
        ok = this.fallback(buf.subarray(o + 33, o + 97), msg, buf.subarray(o + 1, o + 33), kind === SIG_CACHED);
        o += SIG_HEADER + len;
      }
      b.owners[i]!.set(b.at[i]!, ok ? AUTHENTIC : NOT_AUTHENTIC, digest);
    }
  }

  private fallbackGrant(g: Grant): boolean {
    return checkGrant(g, g.to, 0, (s, m, k) => this.fallback(s, m, k, true)) === null;
  }
}

/**
 * The bytes of buffers a slot keeps for its next batches: a storm keeps dozens in flight, and
 * fewer kept meant new zeroed SharedArrayBuffers at every burst of answers. Reached only after a
 * storm; a quiet server keeps one or two.
 */
const FREE_BYTES_MAX = 2 * 1024 * 1024;

/** The smallest shared buffer: a 50-grant frame's records (~17 KB) fit without growing, which would allocate. */
const SHARED_MIN_BYTES = 32 * 1024;

function sharedBuffer(bytes: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(Math.max(SHARED_MIN_BYTES, bytes)));
}

function take(slot: Slot): Buffer {
  const buf = slot.free.pop();
  if (buf === undefined) return sharedBuffer(0);
  slot.freeBytes -= buf.length;
  return buf;
}

function release(slot: Slot, buf: Buffer): void {
  if (!(buf.buffer instanceof SharedArrayBuffer) || slot.freeBytes + buf.length > FREE_BYTES_MAX) return;
  slot.free.push(buf);
  slot.freeBytes += buf.length;
}

function newBatch(bytes: number): Batch {
  return { id: 0, buf: Buffer.allocUnsafeSlow(Math.max(INITIAL_BYTES, bytes)), len: 0, owners: [], at: [], attempts: 0 };
}

/** Gives the batch room for `bytes` more; returns the buffer it outgrew, if it did. */
function grow(b: Batch, bytes: number): Buffer | undefined {
  if (b.len + bytes <= b.buf.length) return undefined;
  const old = b.buf;
  b.buf = sharedBuffer(Math.max(old.length * 2, b.len + bytes));
  old.copy(b.buf, 0, 0, b.len);
  return old;
}
