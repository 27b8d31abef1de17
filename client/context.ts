// What the client's parts share. The facade (messengerClient.ts) builds one; the parts never reach
// each other through globals. Part methods run inside the serial queue unless they say otherwise.
import type { ClientFrame, Identity, Limits } from '../protocol/index.ts';
import type { Emitter } from './emitter.ts';
import type { ClientEvents } from './events.ts';
import type { Runtime } from './runtime.ts';
import type { Settings, Storage } from './storage.ts';

export interface ClientContext {
  readonly storage: Storage;
  readonly runtime: Runtime;
  readonly events: Emitter<ClientEvents>;
  /** Throws when there is no identity yet. */
  identity(): Identity;
  /** Sends on the authenticated socket; false when not connected. */
  send(frame: ClientFrame): boolean;
  connected(): boolean;
  /** Id of the current socket (see Connection.gen). */
  gen(): number;
  /** Queues fn behind the tasks already queued. Never await it from inside a task. */
  enqueue(fn: () => unknown): void;
  /** Local order: unique and increasing on this device. */
  nextSeq(): number;
  /** The server's limits from the latest hello. */
  limits(): Limits | undefined;
  settings(): Settings;
}

export function report(ctx: ClientContext, err: unknown): void {
  ctx.events.emit('error', err instanceof Error ? err : new Error(String(err)));
}
