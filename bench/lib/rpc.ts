// What the main thread asks of a load worker, and what comes back. Samples travel as transferred
// Float64Arrays (milliseconds); absolute times are performance.timeOrigin-based, so they compare
// across threads.
import type { RealChatArgs, RealChatResult } from './realChat.ts';
import type { Grant } from '../../protocol/index.ts';
import type { Device } from './fixtures.ts';
import type { SdkArgs, SdkResult } from './sdk.ts';
import type { SignerKind } from './signer.ts';

export interface ConnectArgs {
  readonly group: string;
  readonly url: string;
  readonly devices: Device[];
  /** grants[i] are presented by devices[i]. */
  readonly grants: Grant[][];
  readonly signer: SignerKind;
  /** New connections per second from this worker; 0 = as fast as the window allows. */
  readonly ratePerSec: number;
  /** Handshakes in flight at once. */
  readonly window: number;
  readonly timeoutMs: number;
  /** Spread source addresses over 127.0.0.2–127.0.0.254 so no single 4-tuple space runs out of ports. */
  readonly spreadSources: boolean;
  /** Once ready, subscribe to the presence of every granter (one presence_sub), as the SDK does. */
  readonly presenceSubs?: boolean;
  /** Device i connects to urls[i % urls.length] instead of url (pairs across two instances). */
  readonly urls?: readonly string[];
}

export interface ConnectResult {
  readonly ready: number;
  readonly failed: number;
  readonly errors: string[];
  /** hello received → ready received (includes the client's signing). */
  readonly helloToReady: Float64Array;
  /** auth written → ready received (the server's share). */
  readonly authToReady: Float64Array;
  /** socket created → ready received (TCP + upgrade + hello + auth). */
  readonly startToReady: Float64Array;
  readonly firstStartAt: number;
  readonly lastReadyAt: number;
}

/** Connections in a group are laid out a0, b0, a1, b1, …: pair k is (2k, 2k+1). */
export interface TrafficArgs {
  readonly group: string;
  readonly mode: 'paced' | 'closed';
  /** paced: messages per second offered by this worker. */
  readonly ratePerSec: number;
  /** closed: messages in flight per direction of each pair. */
  readonly window: number;
  readonly durationMs: number;
  /** Samples from messages sent before this are dropped. */
  readonly warmupMs: number;
  readonly ephemeral: boolean;
  readonly ct: string;
  /** 8 hex characters, unique per run: ids never collide with an earlier run's. */
  readonly runTag: string;
  readonly expectSent: boolean;
  readonly expectDelivered: boolean;
  readonly settleTimeoutMs: number;
}

export interface TrafficResult {
  /** `ack` frames the phase's clients sent between warm-up and the end of the sending period. */
  readonly acksInWindow: number;
  readonly sent: number;
  readonly sentAcked: number;
  readonly received: number;
  readonly delivered: number;
  readonly duplicates: number;
  readonly foreign: number;
  readonly errors: Record<string, number>;
  readonly lostConnections: number;
  /** Received between warm-up and the end of the sending period (throughput numerator). */
  readonly receivedInWindow: number;
  readonly windowMs: number;
  /** Largest delay between a paced send's due time and its actual send (client saturation). */
  readonly maxLagMs: number;
  readonly settled: boolean;
  readonly latency: Float64Array;
  readonly sentLatency: Float64Array;
  readonly deliveredLatency: Float64Array;
}

export interface DrainArgs {
  readonly url: string;
  /** Sender group (one connected device); the receiver connects only after the fill. */
  readonly group: string;
  readonly receiver: Device;
  readonly receiverGrants: Grant[];
  readonly signer: SignerKind;
  readonly count: number;
  readonly window: number;
  readonly ct: string;
  readonly runTag: string;
  readonly expectDelivered: boolean;
  readonly timeoutMs: number;
}

export interface DrainResult {
  readonly queued: number;
  readonly fillMs: number;
  readonly received: number;
  readonly delivered: number;
  readonly connectToReadyMs: number;
  readonly readyToAllMs: number;
  readonly connectToAllMs: number;
  readonly connectToAllDeliveredMs: number;
  readonly errors: Record<string, number>;
  /** Absolute times bracketing the measured phase (receiver connect → last delivered notice). */
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface WorkerApi {
  /** Makes the native signing keys of these devices now, so a later connect does not time it. */
  keys(a: { devices: Device[] }): Promise<{ keys: number }>;
  connect(a: ConnectArgs): Promise<ConnectResult>;
  traffic(a: TrafficArgs): Promise<TrafficResult>;
  /** Phase 1 of the drain (sender fills the offline mailbox). */
  drainFill(a: DrainArgs): Promise<{ queued: number; fillMs: number; errors: Record<string, number> }>;
  /** Phase 2: the receiver connects and takes everything. */
  drainTake(a: DrainArgs): Promise<DrainResult>;
  /** Pairs of real SDK clients exchanging messages (see sdk.ts). */
  sdk(a: SdkArgs): Promise<SdkResult>;
  /** Real messages between two-device identities (realChat.ts). */
  realChat(a: RealChatArgs): Promise<RealChatResult>;
  close(a: { group?: string }): Promise<{ closed: number }>;
  count(a: { group?: string }): Promise<{ ready: number; lost: number }>;
}

export type Command = keyof WorkerApi;

export interface Request {
  readonly id: number;
  readonly cmd: Command;
  readonly args: unknown;
}

export type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };
