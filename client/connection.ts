// The connection: one explicit state machine (centrifuge-js style). One setState emits every
// transition; connect() is idempotent; every teardown, whatever its cause (user, server close,
// network error, heartbeat timeout, browser offline), goes through disconnect(code, reason, reconnect),
// and every reconnect waits a full-jitter backoff. Protocol: docs/protocol.md "Connection lifecycle".
import {
  encodeFrame,
  ERRORS,
  isErrorCode,
  parseServerFrame,
  ProtocolError,
  type ClientFrame,
  type ClientFrames,
  type ErrorCode,
  type ServerFrame,
  type ServerFrames,
} from '../protocol/index.ts';
import { backoffDelay, type BackoffOptions } from './backoff.ts';
import { Emitter } from './emitter.ts';
import { Timer, type Runtime } from './runtime.ts';
import { defaultNetworkEvents, type NetworkEvents, type WebSocketConstructor, type WebSocketLike } from './transport.ts';

export type { NetworkEvents, WebSocketConstructor, WebSocketLike } from './transport.ts';

export type ConnectionState = 'disconnected' | 'connecting' | 'authenticating' | 'connected';

export interface StateChange {
  readonly oldState: ConnectionState;
  readonly newState: ConnectionState;
  readonly reason?: string;
  /** WebSocket close code, or one of LOCAL_CLOSE for teardowns this side decided. */
  readonly code?: number;
}

/** Close codes for teardowns decided by the client (the server's are in protocol/codes.ts). */
export const LOCAL_CLOSE = {
  NORMAL: 1000,
  ABNORMAL: 1006,
  HEARTBEAT_TIMEOUT: 4000,
  HANDSHAKE_TIMEOUT: 4001,
  OFFLINE: 4002,
  AUTH_FAILED: 4003,
  PROCESSING_FAILED: 4004,
} as const;

export interface ConnectionOptions {
  readonly urls: readonly string[];
  readonly WebSocket: WebSocketConstructor;
  readonly runtime: Runtime;
  readonly reconnect: BackoffOptions;
  /** Builds the auth frame for this hello (reads the resume cursor, grants, revocations). */
  readonly authenticate: (hello: ServerFrames['hello'], url: string) => Promise<ClientFrames['auth']>;
  readonly network?: NetworkEvents | null;
  /** From opening the socket to `ready`. */
  readonly handshakeTimeoutMs?: number;
}

export interface ReadyInfo {
  readonly hello: ServerFrames['hello'];
  readonly ready: ServerFrames['ready'];
  /** Which socket this came from: frames of an older socket must not be acknowledged on a newer one. */
  readonly gen: number;
}

export interface ConnectionEvents {
  state: StateChange;
  ready: ReadyInfo;
  frame: { readonly frame: ServerFrame; readonly gen: number };
  error: Error;
}

/** The protocol error that a server close code stands for, if any (1001 → GOING_AWAY, …). */
export function errorCodeForClose(close: number): ErrorCode | undefined {
  for (const code of Object.keys(ERRORS) as ErrorCode[]) if (ERRORS[code].close === close) return code;
  return undefined;
}

export function errorFromFrame(frame: ServerFrames['error']): Error {
  return isErrorCode(frame.code)
    ? new ProtocolError(frame.code, frame.message, frame.retryAfterMs)
    : new Error(`${frame.code}: ${frame.message}`);
}

const noop = (): void => undefined;

export class Connection extends Emitter<ConnectionEvents> {
  private _state: ConnectionState = 'disconnected';
  private _ws: WebSocketLike | undefined;
  private _gen = 0;
  private _wanted = false;
  private _attempts = 0;
  private _urlIndex = 0;
  /** The URL the current socket dialled: auth v2 signs its origin. */
  private _dialled = '';
  private _hello: ServerFrames['hello'] | undefined;
  private _readyOnSocket = false;
  private _lastError: ProtocolError | undefined;
  /** The server's retryAfterMs for the socket that just closed: the next attempt waits at least this. */
  private _retryAfterMs = 0;
  private _listening = false;
  private readonly _reconnectTimer: Timer;
  private readonly _handshakeTimer: Timer;
  private readonly _heartbeatTimer: Timer;
  private readonly _pongDeadline: Timer;
  private readonly _network: NetworkEvents | null;

  constructor(private readonly _opts: ConnectionOptions) {
    super();
    if (_opts.urls.length === 0) throw new TypeError('url: expected at least one WebSocket URL');
    const rt = _opts.runtime;
    this._reconnectTimer = new Timer(rt);
    this._handshakeTimer = new Timer(rt);
    this._heartbeatTimer = new Timer(rt);
    this._pongDeadline = new Timer(rt);
    this._network = _opts.network === undefined ? defaultNetworkEvents() : _opts.network;
  }

  get state(): ConnectionState {
    return this._state;
  }
  /** Increments with every socket opened. */
  get gen(): number {
    return this._gen;
  }
  /** The hello of the current socket. */
  get hello(): ServerFrames['hello'] | undefined {
    return this._hello;
  }
  get url(): string {
    return this._opts.urls[this._urlIndex % this._opts.urls.length]!;
  }

  /** Starts connecting, and keeps reconnecting until disconnect(). Does nothing if already started. */
  connect(): void {
    if (this._wanted) return;
    this._wanted = true;
    this._attempts = 0;
    this._listenNetwork(true);
    this._open();
  }

  /** Sends on the authenticated socket; false when there is none. */
  send(frame: ClientFrame): boolean {
    const ws = this._ws;
    if (this._state !== 'connected' || !ws || ws.readyState !== 1) return false;
    try {
      ws.send(encodeFrame(frame));
      return true;
    } catch {
      return false;
    }
  }

  /** Drops the current socket and reconnects through the usual backoff (e.g. after a local failure). */
  reconnect(code: number, reason: string): void {
    if (this._wanted) this.disconnect(code, reason, true);
  }

  /** The one teardown. reconnect=false also stops wanting a connection. */
  disconnect(code: number = LOCAL_CLOSE.NORMAL, reason = 'client disconnect', reconnect = false): void {
    this._reconnectTimer.clear();
    this._handshakeTimer.clear();
    this._heartbeatTimer.clear();
    this._pongDeadline.clear();
    const ws = this._ws;
    this._ws = undefined;
    this._hello = undefined;
    if (ws) {
      // Keep no-op handlers: ws (Node) throws on an 'error' event nobody listens to.
      ws.onopen = noop;
      ws.onmessage = noop;
      ws.onerror = noop;
      ws.onclose = noop;
      try {
        if (ws.readyState === 0 || ws.readyState === 1) ws.close(LOCAL_CLOSE.NORMAL, reason.slice(0, 100));
      } catch {
        // already closing
      }
    }
    if (reconnect && this._wanted) {
      const delay = Math.max(backoffDelay(this._attempts++, this._opts.reconnect, this._opts.runtime.random), this._retryAfterMs);
      this._retryAfterMs = 0;
      this._setState('connecting', reason, code);
      this._reconnectTimer.set(delay, () => this._open());
    } else {
      this._wanted = false;
      this._listenNetwork(false);
      this._setState('disconnected', reason, code);
    }
  }

  private _setState(newState: ConnectionState, reason?: string, code?: number): void {
    const oldState = this._state;
    if (oldState === newState) return;
    this._state = newState;
    const change: StateChange = { oldState, newState };
    if (reason !== undefined) (change as { reason?: string }).reason = reason;
    if (code !== undefined) (change as { code?: number }).code = code;
    this.emit('state', change);
  }

  private _open(): void {
    const gen = ++this._gen;
    this._readyOnSocket = false;
    this._lastError = undefined;
    this._setState('connecting');
    let ws: WebSocketLike;
    let dialled: string;
    try {
      dialled = this.url;
      ws = new this._opts.WebSocket(dialled);
    } catch (err) {
      this.emit('error', err instanceof Error ? err : new Error(String(err)));
      this._urlIndex++;
      this.disconnect(LOCAL_CLOSE.ABNORMAL, 'cannot open socket', true);
      return;
    }
    this._ws = ws;
    this._dialled = dialled;
    (ws as { onopen: unknown }).onopen = noop;
    (ws as { onerror: unknown }).onerror = noop; // the close event that follows carries the outcome
    (ws as { onmessage: unknown }).onmessage = (ev: { data: unknown }) => {
      if (this._ws === ws) this._onMessage(ev.data, gen);
    };
    (ws as { onclose: unknown }).onclose = (ev: { code?: number; reason?: string }) => {
      if (this._ws === ws) this._onClose(ev.code ?? LOCAL_CLOSE.ABNORMAL, ev.reason ?? '');
    };
    this._handshakeTimer.set(this._opts.handshakeTimeoutMs ?? 15_000, () => {
      this._urlIndex++;
      this.disconnect(LOCAL_CLOSE.HANDSHAKE_TIMEOUT, 'handshake timeout', true);
    });
  }

  private _onClose(code: number, reason: string): void {
    const closeCode = errorCodeForClose(code);
    const err =
      this._lastError ?? (closeCode && closeCode !== 'GOING_AWAY' ? new ProtocolError(closeCode, reason || undefined) : undefined);
    if (err?.stopsReconnect) {
      this.emit('error', err);
      this.disconnect(code, err.message, false);
      return;
    }
    // A limit (AUTH_RATE_LIMITED, say) named its own wait: reconnecting sooner would only be refused.
    this._retryAfterMs = err?.retryAfterMs ?? 0;
    if (!this._readyOnSocket) this._urlIndex++; // this server failed us: try the next URL
    this.disconnect(code, reason || (err ? err.code : code === 1001 ? 'going away' : 'connection closed'), true);
  }

  private _onMessage(data: unknown, gen: number): void {
    if (typeof data !== 'string') {
      this.emit('error', new ProtocolError('BINARY_UNSUPPORTED', 'server sent a binary frame'));
      return;
    }
    let frame: ServerFrame;
    try {
      frame = parseServerFrame(data);
    } catch (err) {
      this.emit('error', err as Error);
      return;
    }
    this._pongDeadline.clear(); // any frame proves the socket is alive
    if (frame.type === 'error') {
      const e = errorFromFrame(frame);
      if (e instanceof ProtocolError && (e.fatal || this._state !== 'connected')) this._lastError = e;
    }
    switch (this._state) {
      case 'connecting':
        if (frame.type === 'hello') {
          this._hello = frame;
          this._setState('authenticating');
          this._authenticate(frame, gen);
        }
        return;
      case 'authenticating':
        if (frame.type === 'ready') this._onReady(frame, gen);
        else if (frame.type === 'error') this.emit('error', errorFromFrame(frame));
        return;
      case 'connected':
        if (frame.type !== 'pong') this.emit('frame', { frame, gen });
        return;
      default:
        return;
    }
  }

  private _authenticate(hello: ServerFrames['hello'], gen: number): void {
    this._opts.authenticate(hello, this._dialled).then(
      (auth) => {
        const ws = this._ws;
        if (gen !== this._gen || !ws || ws.readyState !== 1) return;
        try {
          ws.send(encodeFrame(auth));
        } catch {
          // the close event follows
        }
      },
      (err: unknown) => {
        if (gen !== this._gen) return;
        this.emit('error', err instanceof Error ? err : new Error(String(err)));
        this.disconnect(LOCAL_CLOSE.AUTH_FAILED, 'cannot build auth frame', false);
      },
    );
  }

  private _onReady(ready: ServerFrames['ready'], gen: number): void {
    const hello = this._hello!;
    this._handshakeTimer.clear();
    this._readyOnSocket = true;
    this._attempts = 0;
    this._setState('connected');
    this._scheduleHeartbeat(hello.heartbeatMs);
    this.emit('ready', { hello, ready, gen });
  }

  private _scheduleHeartbeat(ms: number): void {
    this._heartbeatTimer.set(ms, () => {
      if (this._state !== 'connected') return;
      this.send({ type: 'ping', t: this._opts.runtime.now() });
      if (!this._pongDeadline.pending) {
        this._pongDeadline.set(2 * ms, () => this.disconnect(LOCAL_CLOSE.HEARTBEAT_TIMEOUT, 'heartbeat timeout', true));
      }
      this._scheduleHeartbeat(ms);
    });
  }

  private readonly _onOffline = (): void => {
    if (this._ws) this.disconnect(LOCAL_CLOSE.OFFLINE, 'network offline', true);
  };

  private readonly _onOnline = (): void => {
    // Back online: skip the rest of the backoff wait.
    if (this._wanted && this._reconnectTimer.pending) {
      this._reconnectTimer.clear();
      this._attempts = 0;
      this._open();
    }
  };

  private _listenNetwork(on: boolean): void {
    const n = this._network;
    if (!n || on === this._listening) return;
    this._listening = on;
    if (on) {
      n.addEventListener('offline', this._onOffline);
      n.addEventListener('online', this._onOnline);
    } else {
      n.removeEventListener('offline', this._onOffline);
      n.removeEventListener('online', this._onOnline);
    }
  }
}
