// Ed25519 verification on worker threads, in batches: an auth costs ~0.2 ms of OpenSSL (key import
// + verify) and a reconnecting identity with 50 contacts 50 more for its grants, which on one event
// loop caps a server at ~2k authentications per core-second and stalls every other socket while a
// storm is verified. Here the main thread only packs the inputs: every verification asked for in one
// event-loop turn goes to the workers in one message per worker (one setImmediate, like the writes
// in connection.ts), and each worker answers a batch with one message.
//
// Decisions are nativeVerify's (verify.ts): the cheap strict-key byte test runs here before
// anything is queued, the import and OpenSSL verify in the worker. A worker that dies is replaced
// and its batches are run again; a batch that kills a worker twice, and anything asked after
// close(), is verified on the main thread, so a caller always gets an answer.
import { Worker } from 'node:worker_threads';

/** Runs inside the worker (CommonJS, no loader needed, so it starts the same under tsx, vitest or plain node). */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const cache = new Map();
const CACHE_MAX = 4096;
function importKey(x) {
  try { return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }); } catch { return false; }
}
parentPort.on('message', (m) => {
  if (m.crash) throw new Error('verify worker: crash requested by a test');
  const b = Buffer.from(m.buf);
  const res = new Uint8Array(m.n);
  let o = 0;
  for (let i = 0; i < m.n; i++) {
    const cached = b[o] === 1;
    const x = b.toString('base64url', o + 1, o + 33);
    const sig = b.subarray(o + 33, o + 97);
    const len = b.readUInt32LE(o + 97);
    const msg = b.subarray(o + 101, o + 101 + len);
    o += 101 + len;
    let key;
    if (cached) {
      key = cache.get(x);
      if (key === undefined) {
        key = importKey(x);
        cache.set(x, key);
        if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value);
      }
    } else key = importKey(x);
    let ok = false;
    try { ok = key !== false && verify(null, msg, key, sig); } catch {}
    res[i] = ok ? 1 : 0;
  }
  parentPort.postMessage({ id: m.id, res }, [res.buffer]);
});
`;

interface Job {
  readonly sig: Uint8Array;
  readonly msg: Uint8Array;
  readonly pk: Uint8Array;
  /** The key recurs (a granter's): the worker keeps it imported. */
  readonly cache: boolean;
  readonly resolve: (ok: boolean) => void;
}

interface Batch {
  readonly id: number;
  readonly jobs: Job[];
  attempts: number;
}

interface Slot {
  worker: Worker;
  readonly inFlight: Map<number, Batch>;
}

/** Jobs per message: large enough to amortise postMessage, small enough to spread over workers. */
const MAX_BATCH = 512;

export class VerifyPool {
  private readonly slots: Slot[] = [];
  private queue: Job[] = [];
  private flushScheduled = false;
  private nextBatch = 1;
  private closed = false;
  private rr = 0;
  /** Workers replaced after dying (tests and /metrics may read it). */
  restarts = 0;

  /**
   * @param size worker threads (≥ 1)
   * @param fallback verifies on the calling thread: after close() and for a batch that kills workers
   */
  constructor(
    readonly size: number,
    private readonly fallback: (sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean) => boolean,
  ) {
    if (!(size >= 1)) throw new Error(`VerifyPool: size must be ≥ 1, got ${size}`);
    for (let i = 0; i < size; i++) this.slots.push({ worker: this.spawn(i), inFlight: new Map() });
  }

  /** The signature check itself; the caller has done the strict-key and length checks. */
  verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array, cache: boolean): Promise<boolean> {
    if (this.closed) return Promise.resolve(this.fallback(sig, msg, pk, cache));
    return new Promise<boolean>((resolve) => {
      this.queue.push({ sig, msg, pk, cache, resolve });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Terminates the workers; whatever they still held, and anything asked later, runs on this thread. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const pending: Job[] = this.queue;
    this.queue = [];
    for (const s of this.slots) {
      for (const b of s.inFlight.values()) pending.push(...b.jobs);
      s.inFlight.clear();
    }
    for (const j of pending) j.resolve(this.fallback(j.sig, j.msg, j.pk, j.cache));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  /** Test hook: makes worker i throw, as a crash in OpenSSL or an out-of-memory would end it. */
  crashWorkerForTest(i: number): void {
    this.slots[i]!.worker.postMessage({ crash: true });
  }

  private spawn(index: number): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, name: `verify-${index}` });
    w.unref(); // an idle pool must not keep the process alive; ref'd while it holds work
    w.on('message', (m: { id: number; res: Uint8Array }) => this.onResult(index, m));
    // 'error' is followed by 'exit'; the replacement happens once, on exit.
    w.on('error', () => {});
    w.on('exit', () => this.onExit(index, w));
    return w;
  }

  private flush(): void {
    this.flushScheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (this.closed) {
      for (const j of jobs) j.resolve(this.fallback(j.sig, j.msg, j.pk, j.cache));
      return;
    }
    // Recurring keys go to the worker that already holds them imported; one-off keys round-robin.
    const per: Job[][] = this.slots.map(() => []);
    for (const j of jobs) {
      const i = j.cache ? (j.pk[0]! ^ j.pk[7]!) % this.size : this.rr++ % this.size;
      per[i]!.push(j);
    }
    for (let i = 0; i < per.length; i++) {
      const list = per[i]!;
      for (let k = 0; k < list.length; k += MAX_BATCH) {
        this.dispatch(i, { id: this.nextBatch++, jobs: list.slice(k, k + MAX_BATCH), attempts: 0 });
      }
    }
  }

  private dispatch(index: number, batch: Batch): void {
    const slot = this.slots[index]!;
    let bytes = 0;
    for (const j of batch.jobs) bytes += 101 + j.msg.length;
    const buf = Buffer.allocUnsafeSlow(bytes);
    let o = 0;
    for (const j of batch.jobs) {
      buf[o] = j.cache ? 1 : 0;
      buf.set(j.pk, o + 1);
      buf.set(j.sig, o + 33);
      buf.writeUInt32LE(j.msg.length, o + 97);
      buf.set(j.msg, o + 101);
      o += 101 + j.msg.length;
    }
    batch.attempts++;
    if (slot.inFlight.size === 0) slot.worker.ref();
    slot.inFlight.set(batch.id, batch);
    slot.worker.postMessage({ id: batch.id, buf: buf.buffer, n: batch.jobs.length }, [buf.buffer]);
  }

  private onResult(index: number, m: { id: number; res: Uint8Array }): void {
    const slot = this.slots[index]!;
    const batch = slot.inFlight.get(m.id);
    if (!batch) return;
    slot.inFlight.delete(m.id);
    if (slot.inFlight.size === 0) slot.worker.unref();
    for (let i = 0; i < batch.jobs.length; i++) batch.jobs[i]!.resolve(m.res[i] === 1);
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
      if (b.attempts >= 2) for (const j of b.jobs) j.resolve(this.fallback(j.sig, j.msg, j.pk, j.cache));
      else this.dispatch(index, b);
    }
  }
}
