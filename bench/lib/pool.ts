// Main-thread side of the load workers: start them, call them, stop them.
import { Worker } from 'node:worker_threads';
import type { Command, Reply, Request, WorkerApi } from './rpc.ts';

type Args<C extends Command> = Parameters<WorkerApi[C]>[0];
type Result<C extends Command> = Awaited<ReturnType<WorkerApi[C]>>;

export class Pool {
  readonly size: number;
  private readonly workers: Worker[];
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    this.size = workers.length;
    for (const w of workers) {
      w.on('message', (r: Reply) => {
        const p = this.waiting.get(r.id);
        if (!p) return;
        this.waiting.delete(r.id);
        if (r.ok) p.resolve(r.result);
        else p.reject(new Error(`worker: ${r.error}`));
      });
      w.on('error', (e) => {
        for (const p of this.waiting.values()) p.reject(e);
        this.waiting.clear();
      });
    }
  }

  /** Starts the workers and waits until each has loaded (compiling TypeScript takes a moment). */
  static async start(size: number): Promise<Pool> {
    // Node 20 does not carry tsx's loader hooks into worker threads (neither inherited nor via
    // execArgv), so each worker registers tsx itself before importing the TypeScript entry.
    const api = import.meta.resolve('tsx/esm/api');
    const entry = new URL('./worker.ts', import.meta.url).href;
    const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
    const pool = new Pool(Array.from({ length: size }, (_, index) => new Worker(boot, { eval: true, workerData: { index } })));
    await pool.all('count', () => ({}));
    return pool;
  }

  call<C extends Command>(worker: number, cmd: C, args: Args<C>): Promise<Result<C>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.workers[worker]!.postMessage({ id, cmd, args } satisfies Request);
    });
  }

  /** The same command on every worker, with per-worker arguments. */
  all<C extends Command>(cmd: C, args: (worker: number) => Args<C>): Promise<Result<C>[]> {
    return Promise.all(this.workers.map((_, i) => this.call(i, cmd, args(i))));
  }

  async stop(): Promise<void> {
    await Promise.allSettled(this.workers.map((_, i) => this.call(i, 'close', {})));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
