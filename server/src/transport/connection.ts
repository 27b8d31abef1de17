// One WebSocket from open to close: an explicit state machine (awaiting_auth → authenticating →
// ready → closed), a serial inbox so frames are handled one at a time in arrival order (a send
// that awaits the store cannot be overtaken by the next one), and every teardown through end().
// Outbound frames are queued per socket and written once per event-loop turn in one uWS cork, since
// an uncorked write after an await is one sendto each (docs/performance.md "Message path", lever 5).
import type uWS from 'uWebSockets.js';
import { errorText, presenceText } from './wire.ts';
import { encodeFrame, PROTOCOL_VERSION, ProtocolError, ERRORS, type Grant, type ServerFrameType } from '../../../protocol/index.ts';
import type { LiveSocket, ServerContext } from '../context.ts';
import { StreamFeed, type FeedSocket } from './feed.ts';
import { GrantSet } from '../auth/grants.ts';
import { nextNonce } from './nonce.ts';
import { shedRef } from './shedRef.ts';
import type { HubSocket } from '../hub.ts';
import type { EntryKind, FrameText } from '../store/types.ts';
import type { LimitKeys } from '../limits/limits.ts';

export type ConnState = LiveSocket['state'];

/**
 * What the upgrade handler copies out of the request (uWS frees it when the handler returns).
 * Conn reads the address fields once and blanks them, so an idle socket does not keep them.
 */
export interface SocketData {
  origin: string;
  /** The client's address as limits see it (ip.ts clientAddress), counted in ctx.addresses. */
  address: string;
  conn?: Conn;
}

/** A text frame, or null for a binary one. */
export type Inbound = string | null;
/** Handles one frame: at once (nothing returned), or by the returned promise. */
export type Router = (conn: Conn, item: Inbound) => Promise<void> | void;

const MAX_ERRORS = 10;
const MAX_INBOX_FRAMES = 1024;

let nextId = 1;

/**
 * Sockets with frames queued in this turn. One setImmediate writes them all: it runs after every
 * uWS callback of this loop iteration (and their microtasks), so each socket gets one write for
 * everything it was sent in the iteration, and no frame waits for a later iteration.
 */
const flushList: Conn[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  // A socket may be queued again while this runs (its feed resumes and sends): the loop sees it.
  for (let i = 0; i < flushList.length; i++) {
    const conn = flushList[i]!;
    try {
      conn.flush();
    } catch (err) {
      // One socket's failure must not leave the others' frames unwritten.
      conn.ctx.log.error('flush_failed', { conn: conn.id, error: err instanceof Error ? err.message : String(err) });
    }
  }
  flushList.length = 0;
}

export class Conn implements HubSocket, FeedSocket, LiveSocket {
  readonly id = nextId++;
  /** The auth challenge; blanked once authenticated (a socket is authenticated once, for its life). */
  nonce = nextNonce();
  /** The epoch told in hello, which the auth signature covers. */
  helloEpoch = '';
  readonly grants = new GrantSet();
  readonly feed: StreamFeed;
  state: ConnState = 'awaiting_auth';
  sid = '';
  deviceId = '';
  hidden = false;
  /** The client's address as rate limits see it (TRUST_PROXY decides whether X-Forwarded-For counts). */
  readonly address: string;
  private errors = 0;
  private inbox: { readonly item: Inbound; readonly bytes: number }[] | undefined;
  private inboxBytes = 0;
  private busy = false;
  /** Frames not yet handed to uWS (written by flush()), and their size. */
  private out: FrameText[] | undefined;
  private outBytes = 0;
  private authTimer: NodeJS.Timeout | undefined;
  /** The send buckets' keys, made by the first send (limits.ts limitKeys). */
  sendKeys: LimitKeys | undefined;
  /** Presence targets (HubSocket): the Hub creates the set on the first watch; most sockets never make one. */
  subs: Set<string> | undefined;

  constructor(
    private readonly ws: uWS.WebSocket<SocketData>,
    readonly ctx: ServerContext,
    private readonly route: Router,
  ) {
    this.feed = new StreamFeed(this, ctx);
    const data = ws.getUserData();
    this.address = data.address;
    // Nothing reads them after this: let an idle socket not hold the header strings.
    data.origin = data.address = '';
  }

  get open(): boolean {
    return this.state !== 'closed';
  }

  get subCount(): number {
    return this.subs?.size ?? 0;
  }

  subscribed(target: string): boolean {
    return this.subs?.has(target) === true;
  }

  /** Sends hello and starts the AUTH_TIMEOUT clock. */
  start(): void {
    const { ctx } = this;
    this.helloEpoch = ctx.store.epoch;
    this.send(
      'hello',
      encodeFrame({
        type: 'hello',
        v: PROTOCOL_VERSION,
        nonce: this.nonce,
        epoch: this.helloEpoch,
        serverTime: ctx.clock(),
        heartbeatMs: ctx.config.heartbeatMs,
        limits: ctx.helloLimits,
        ...(ctx.push ? { vapidKey: ctx.push.publicKey } : {}),
      }),
    );
    this.authTimer = setTimeout(() => {
      if (this.state === 'awaiting_auth' || this.state === 'authenticating') this.reject(new ProtocolError('AUTH_TIMEOUT'));
    }, ctx.config.authTimeoutMs);
    this.authTimer.unref();
  }

  setState(next: ConnState): void {
    if (next === this.state) return;
    const old = this.state;
    this.state = next;
    this.ctx.log.debug('conn_state', { conn: this.id, from: old, to: next });
  }

  /** The socket is now `sid`'s, for its life. */
  becomeReady(sid: string, deviceId: string, hidden: boolean): void {
    this.sid = sid;
    this.deviceId = deviceId;
    this.hidden = hidden;
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.nonce = '';
    this.ctx.addresses.authenticated(this.address);
    this.setState('ready');
  }

  // ---- output -----------------------------------------------------------------------------------

  /** Queues a frame; it is written with the socket's other frames of this turn (flush). */
  send(type: ServerFrameType, text: FrameText): boolean {
    if (this.state === 'closed') return false;
    this.ctx.metrics.inc('frames_out_total', type);
    this.ctx.metrics.inc('bytes_out_total', '', text.length);
    if (this.out === undefined) {
      this.out = [text];
      flushList.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flushAll);
      }
    } else {
      this.out.push(text);
    }
    this.outBytes += text.length;
    return true;
  }

  /** Writes the queued frames in one cork: one syscall for all of them. */
  flush(): void {
    const out = this.out;
    if (out === undefined) return;
    this.out = undefined;
    this.outBytes = 0;
    if (this.state === 'closed') return;
    this.ws.cork(() => this.write(out));
    // A feed that paused on queued bytes may have nothing left in uWS, so no drain event would come.
    this.feed.drain();
  }

  private write(out: readonly FrameText[]): void {
    for (const text of out) {
      if (this.ws.send(text, false, false) === 2) {
        // Over maxBackpressure: uWS drops the frame and, with closeOnBackpressureLimit, the socket.
        this.ctx.metrics.inc('send_dropped_total');
      }
    }
  }

  /** Bytes uWS holds for the client plus those queued for this turn's write. */
  bufferedAmount(): number {
    return this.state === 'closed' ? 0 : this.ws.getBufferedAmount() + this.outBytes;
  }

  /**
   * Answers a frame with an error (`ids`: the Session IDs it covers, when one frame answers for
   * many, as presence_sub's refusals do). Fatal errors, and every error before authentication, close the
   * socket with the error's own close code; ten misbehaviours close it with TOO_MANY_ERRORS.
   */
  reject(err: ProtocolError, ref?: string, misbehaviour = ERRORS[err.code].misbehaviour, ids?: readonly string[]): void {
    if (this.state === 'closed') return;
    const { metrics } = this.ctx;
    metrics.inc('errors_total', err.code);
    const fatal = err.fatal || this.state !== 'ready';
    if (this.state !== 'ready') metrics.inc('auth_failures_total', err.code);
    this.send('error', errorText(err.code, err.message, ref, err.retryAfterMs, ids));
    if (fatal) {
      this.ctx.log.debug('conn_rejected', { conn: this.id, code: err.code, state: this.state });
      if (this.state !== 'ready') this.ctx.log.info('auth_failed', { conn: this.id, code: err.code });
      this.end(err.close, err.code);
      return;
    }
    if (misbehaviour && ++this.errors >= MAX_ERRORS) this.reject(new ProtocolError('TOO_MANY_ERRORS'));
  }

  /** Sends the error and closes, whatever the error's table entry says. */
  fail(err: unknown): void {
    if (this.state === 'closed') return;
    if (!(err instanceof ProtocolError)) {
      this.ctx.log.error('internal_error', { conn: this.id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
      err = new ProtocolError('INTERNAL');
    }
    const e = err as ProtocolError;
    this.ctx.metrics.inc('errors_total', e.code);
    this.send('error', errorText(e.code, e.message));
    this.end(e.close, e.code);
  }

  /**
   * Closes with a close frame, after what is queued (the error saying why, usually), in one write.
   * uWS runs the close handler at once; onClosed is idempotent.
   */
  end(code: number, reason: string): void {
    if (this.state === 'closed') return;
    const out = this.out;
    this.out = undefined;
    this.outBytes = 0;
    this.ws.cork(() => {
      if (out !== undefined) this.write(out);
      this.ws.end(code, reason);
    });
    this.onClosed(code);
  }

  goAway(): void {
    if (this.state === 'closed') return;
    this.send('error', errorText('GOING_AWAY'));
    this.end(1001, 'GOING_AWAY');
  }

  kill(): void {
    if (this.state === 'closed') return;
    this.out = undefined;
    this.outBytes = 0;
    this.ws.close();
    this.onClosed(1006);
  }

  // ---- uWS events -------------------------------------------------------------------------------

  onMessage(data: ArrayBuffer, isBinary: boolean): void {
    if (this.state === 'closed') return;
    const { config, metrics } = this.ctx;
    metrics.inc('bytes_in_total', '', data.byteLength);
    if (data.byteLength > config.maxFrameBytes) {
      metrics.inc('frames_in_total', 'too_large');
      this.reject(new ProtocolError('FRAME_TOO_LARGE', `${data.byteLength} bytes; the limit is ${config.maxFrameBytes}`));
      return;
    }
    if ((this.inbox?.length ?? 0) >= MAX_INBOX_FRAMES || this.inboxBytes + data.byteLength > this.ctx.maxBackpressure) {
      // The client sends faster than the store answers: shed the frame; a correct client retries.
      // The ref (read from the frame's first bytes, not parsed) tells an outbox which send to retry.
      this.reject(new ProtocolError('RATE_LIMITED', 'too many frames in flight', 1000), shedRef(data, isBinary), true);
      return;
    }
    // The ArrayBuffer is only valid during this callback: copy it out now.
    const item = isBinary ? null : Buffer.from(data).toString('utf8');
    if (!this.busy) {
      // Nothing waits (a socket is not busy with an inbox left): handled now, not queued.
      this.busy = true;
      if (!this.handle(item)) this.pump();
      return;
    }
    (this.inbox ??= []).push({ item, bytes: data.byteLength });
    this.inboxBytes += data.byteLength;
  }

  onDrain(): void {
    this.feed.drain();
  }

  /** Cleanup for every way a socket ends; runs once. */
  onClosed(code: number): void {
    if (this.state === 'closed') return;
    const wasReady = this.state === 'ready';
    this.setState('closed');
    clearTimeout(this.authTimer);
    this.authTimer = undefined;
    this.inbox = undefined;
    this.inboxBytes = 0;
    this.out = undefined;
    this.outBytes = 0;
    const { ctx } = this;
    ctx.sockets.delete(this);
    ctx.addresses.release(this.address, wasReady);
    ctx.metrics.inc('connections_closed_total');
    if (wasReady) {
      ctx.hub.remove(this);
      ctx.presence.update(this.sid);
      ctx.push?.deviceOffline(this.sid, this.deviceId);
    }
    ctx.log.debug('conn_closed', { conn: this.id, code });
  }

  /**
   * Handles the inbox in order. A frame handled at once (the memory store's message path) lets the
   * next one run in the same call; a frame that awaits leaves the socket busy until it settles, and
   * the pump goes on from there.
   */
  private pump(): void {
    this.busy = true;
    for (let inbox = this.inbox; inbox !== undefined && inbox.length > 0 && this.state !== 'closed'; inbox = this.inbox) {
      const { item, bytes } = inbox.shift()!;
      this.inboxBytes -= bytes;
      if (this.handle(item)) return;
    }
    this.busy = false;
    // An emptied inbox is dropped: an idle socket holds no array.
    if (this.inbox?.length === 0) this.inbox = undefined;
  }

  /** Routes one frame; true when it goes on asynchronously, and the pump resumes once it settles. */
  private handle(item: Inbound): boolean {
    let done: Promise<void> | void;
    try {
      done = this.route(this, item);
    } catch (err) {
      this.fail(err);
      return false;
    }
    if (!(done instanceof Promise)) return false;
    done.then(
      () => this.pump(),
      (err: unknown) => {
        this.fail(err);
        this.pump();
      },
    );
    return true;
  }

  // ---- HubSocket --------------------------------------------------------------------------------

  deliverEntry(type: EntryKind, offset: number, text: FrameText): void {
    this.feed.deliver(type, offset, text);
  }

  skipEntry(offset: number): void {
    this.feed.skip(offset);
  }

  resync(): void {
    if (this.state === 'ready') this.feed.resync();
  }

  deliverFrame(type: ServerFrameType, text: string): void {
    // Ephemeral envelopes (typing) are worthless late: a congested socket skips them.
    if (type === 'envelope' && this.bufferedAmount() > this.ctx.highWater) return;
    this.send(type, text);
  }

  holdGrant(grant: Grant): void {
    if (grant.to === this.sid) this.grants.hold(grant);
  }

  revokeFrom(from: string, iat: number): void {
    if (!this.grants.revoke(from, iat) || !this.subscribed(from)) return;
    this.ctx.hub.unwatch(this, from);
    // Blocked: they see the blocker go offline, as anyone might, and never come back.
    this.send('presence', presenceText(from, false, this.ctx.clock()));
  }

  mayObserve(target: string, now: number): boolean {
    return target === this.sid || 'grant' in this.grants.localCheck(target, now);
  }
}
