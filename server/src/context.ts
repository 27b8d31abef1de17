// What every handler may use, built once per server by app.ts. Time and randomness come from here
// so tests control them.
import { MAX_CT_BYTES, type Limits, type VerifyFn } from '../../protocol/index.ts';
import type { AddressCounts } from './transport/addresses.ts';
import type { Cluster } from './cluster/cluster.ts';
import type { Config, Lifetimes } from './config.ts';
import type { Blobs } from './blobs/service.ts';
import type { Bus, Hub } from './hub.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './http/metrics.ts';
import type { Presence } from './presence.ts';
import type { Push } from './push/push.ts';
import { senderShare } from './limits/quotas.ts';
import type { MailboxLimits, Store } from './store/types.ts';

export interface ServerContext {
  readonly config: Config;
  /** Guarded: failures surface as ProtocolError STORE_UNAVAILABLE. */
  readonly store: Store;
  readonly clock: () => number;
  readonly log: Logger;
  readonly metrics: Metrics;
  readonly hub: Hub;
  readonly bus: Bus;
  readonly presence: Presence;
  /** With Redis: the other instances, and the state of the connections to Redis (for /health). */
  readonly cluster?: Cluster;
  /** Web Push, when VAPID keys are configured (server/src/push/). */
  readonly push?: Push;
  readonly verify: VerifyFn;
  /** Mailbox limits for envelopes. */
  readonly limits: MailboxLimits;
  /**
   * Limits for entries the server itself appends (delivered notices, invitations and their
   * updates). Their number is bounded by the sender's own sends and by the invitation limits, so
   * they get twice the room: a full mailbox must not swallow the notice that an invitation
   * expired, or make an invitation impossible to deliver.
   */
  readonly controlLimits: MailboxLimits;
  /**
   * Limits for delivered notices. A notice stands for a message its recipient has already taken:
   * dropped, the sender would show that message as "sent" for good. What fills the sender's stream
   * is the sender's own unacknowledged entries, so notices get ten times the entries (bytes, twice,
   * still bound a sender that never acknowledges).
   */
  readonly noticeLimits: MailboxLimits;
  readonly helloLimits: Limits;
  /** Everything that lasts as long as MAILBOX_TTL, each under its own name (config.ts lifetimes). */
  readonly lifetimes: Lifetimes;
  /** Normalised origins auth v2 signatures may name; filled once the port is bound (publicOrigins.ts). */
  readonly publicOrigins: Set<string>;
  /** uWS maxBackpressure per socket; beyond it uWS closes the socket. */
  readonly maxBackpressure: number;
  /** Above this many buffered bytes a socket stops taking stream entries and catches up on drain. */
  readonly highWater: number;
  readonly startedAt: number;
  /** Open sockets per client address, against MAX_CONNECTIONS_PER_IP and MAX_UNAUTH_PER_IP. */
  readonly addresses: AddressCounts;
  /** Every open socket, authenticated or not (the Hub only knows authenticated ones). */
  readonly sockets: Set<LiveSocket>;
  /** The attachment store (server/src/blobs/). */
  readonly blobs?: Blobs;
}

/** What the server needs from any open socket at shutdown and for counts. */
export interface LiveSocket {
  readonly state: 'awaiting_auth' | 'authenticating' | 'ready' | 'closed';
  /** Error frame GOING_AWAY and close 1001: the client reconnects, maybe elsewhere. */
  goAway(): void;
  /** Drops the TCP connection without a close frame (crash simulation in tests). */
  kill(): void;
  /** Bytes uWS holds for this socket that the client has not taken yet (0 once closed). */
  bufferedAmount(): number;
}

/** Bytes of a send/invite frame that are not ciphertext, rounded up generously (grant included). */
const FRAME_OVERHEAD = 1024;

export function helloLimits(config: Config, life: Lifetimes): Limits {
  return {
    maxFrameBytes: config.maxFrameBytes,
    maxCtBytes: Math.min(MAX_CT_BYTES, Math.floor((config.maxFrameBytes - FRAME_OVERHEAD) / 4) * 3),
    maxGrants: config.maxGrants,
    mailboxMaxEntries: config.mailboxMaxEntries,
    mailboxMaxBytes: config.mailboxMaxBytes,
    mailboxTtlMs: life.mailboxTtlMs,
    invitationTtlMs: config.invitationTtlMs,
    maxPresenceSubs: config.maxPresenceSubs,
    maxAttachmentBytes: config.attachmentMaxBytes,
    accountMaxBytes: config.accountMaxBytes,
  };
}

export function backpressure(config: Config): { maxBackpressure: number; highWater: number } {
  const maxBackpressure = Math.max(1 << 20, 16 * config.maxFrameBytes);
  return { maxBackpressure, highWater: Math.floor(maxBackpressure / 4) };
}

export function mailboxLimits(
  config: Config,
  life: Lifetimes,
): { limits: MailboxLimits; controlLimits: MailboxLimits; noticeLimits: MailboxLimits } {
  const base = { maxEntries: config.mailboxMaxEntries, maxBytes: config.mailboxMaxBytes, ttlMs: life.mailboxTtlMs };
  return {
    // Only envelopes have a sender whose share is limited (quotas.ts).
    limits: { ...base, ...senderShare(config, base) },
    controlLimits: { ...base, maxEntries: base.maxEntries * 2, maxBytes: base.maxBytes * 2 },
    noticeLimits: { ...base, maxEntries: base.maxEntries * 10, maxBytes: base.maxBytes * 2 },
  };
}
