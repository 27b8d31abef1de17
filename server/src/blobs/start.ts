// The attachment part of a server: its store, the policy over it, the HTTP routes and the TTL sweep.
import type uWS from 'uWebSockets.js';
import type { Config } from '../config.ts';
import type { ServerContext } from '../context.ts';
import type { Logger } from '../log.ts';
import { registerBlobRoutes } from './http.ts';
import { Blobs, createBlobStore } from './service.ts';
import type { BlobStore } from './types.ts';

export const BLOB_SWEEP_INTERVAL_MS = 60_000;

export interface BlobsHandle {
  readonly blobs: Blobs;
  register(app: uWS.TemplatedApp, ctx: ServerContext): void;
  /** Stops the sweep timer. */
  stop(): void;
  close(): Promise<void>;
}

export async function startBlobs(config: Config, ttlMs: number, clock: () => number, log: Logger, store?: BlobStore): Promise<BlobsHandle> {
  const blobs = new Blobs(store ?? (await createBlobStore(config)), { ...config, ttlMs }, clock);
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    blobs
      .sweep()
      .then((n) => n > 0 && log.debug('blobs_swept', { count: n }))
      .catch((err: unknown) => log.warn('blob_sweep_failed', { error: err instanceof Error ? err.message : String(err) }))
      .finally(() => (sweeping = false));
  }, BLOB_SWEEP_INTERVAL_MS);
  timer.unref();
  return {
    blobs,
    register: (app, ctx) => registerBlobRoutes(app, ctx, blobs),
    stop: () => clearInterval(timer),
    close: async () => {
      clearInterval(timer);
      if (!store) await blobs.store.close();
    },
  };
}
