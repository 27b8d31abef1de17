// One WebSocket of the Node fallback, with the uWS.WebSocket semantics the relay relies on: send()
// answers 1 (written), 0 (queued: a drain event follows) or 2 (dropped over maxBackpressure, and
// the socket closed when closeOnBackpressureLimit is set); end() and close() run the close handler
// at once, exactly once; cork() makes one write of several frames; idleTimeout with automatic pings.
import type { Socket } from 'node:net';
import type uWS from 'uWebSockets.js';
import type { WebSocket as WsSocket } from 'ws';

/** The behaviour fields the fallback honours (see wsBehavior in ../socket.ts). */
export type Behavior<U> = uWS.WebSocketBehavior<U>;

export class NodeWebSocket<U> {
  private closed = false;
  /** Last time anything arrived (a frame or a pong), for idleTimeout. */
  lastSeen = Date.now();
  pinged = false;

  constructor(
    private readonly ws: WsSocket,
    private readonly behavior: Behavior<U>,
    private readonly userData: U,
    private readonly remote: string,
  ) {}

  private get socket(): Socket {
    // ws keeps the TCP socket private; cork/drain need it (ws has no drain event of its own).
    return (this.ws as unknown as { _socket: Socket })._socket;
  }

  /** Wires ws's events to the behaviour; called once the upgrade is done. */
  start(onGone: () => void): void {
    const { ws, behavior } = this;
    // Errors (a frame over maxPayload, a protocol violation) end in a 'close' event: nothing to add.
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      this.lastSeen = Date.now();
      this.pinged = false;
      if (!this.closed) behavior.message?.(this.asUws(), toArrayBuffer(data), isBinary);
    });
    ws.on('pong', () => {
      this.lastSeen = Date.now();
      this.pinged = false;
    });
    ws.on('ping', () => {
      this.lastSeen = Date.now();
    });
    this.socket.on('drain', () => {
      if (!this.closed) behavior.drain?.(this.asUws());
    });
    ws.on('close', (code: number, reason: Buffer) => {
      onGone();
      this.closedWith(code, reason);
    });
    behavior.open?.(this.asUws());
  }

  asUws(): uWS.WebSocket<U> {
    return this as unknown as uWS.WebSocket<U>;
  }

  private closedWith(code: number, reason: Buffer | string): void {
    if (this.closed) return;
    this.closed = true;
    this.behavior.close?.(this.asUws(), code, toArrayBuffer(Buffer.from(reason)));
  }

  getUserData(): U {
    return this.userData;
  }

  getRemoteAddressAsText(): ArrayBuffer {
    return toArrayBuffer(Buffer.from(this.remote));
  }

  getBufferedAmount(): number {
    return this.closed ? 0 : this.ws.bufferedAmount;
  }

  send(message: string | ArrayBuffer | Uint8Array, isBinary = false): number {
    if (this.closed) return 2;
    const size = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
    const limit = this.behavior.maxBackpressure ?? 64 * 1024;
    if (limit > 0 && this.ws.bufferedAmount + size > limit) {
      if (this.behavior.closeOnBackpressureLimit) this.close();
      return 2;
    }
    this.ws.send(message, { binary: isBinary, compress: false });
    return this.socket.writableNeedDrain ? 0 : 1;
  }

  cork(cb: () => void): this {
    const socket = this.socket;
    socket.cork();
    try {
      cb();
    } finally {
      socket.uncork();
    }
    return this;
  }

  /** A close frame; the close handler runs now, as uWS does. */
  end(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.ws.close(code, reason);
    this.closedWith(code, reason);
  }

  /** Cut without a close frame. */
  close(): void {
    if (this.closed) return;
    this.ws.terminate();
    this.closedWith(1006, '');
  }

  ping(message?: string | ArrayBuffer): number {
    if (this.closed) return 2;
    this.ws.ping(message === undefined ? undefined : Buffer.from(message as ArrayBuffer));
    return 1;
  }

  /**
   * idleTimeout as uWS applies it: silent for half the timeout → a ping (when
   * sendPingsAutomatically); silent for all of it → cut.
   */
  checkIdle(now: number): void {
    const idle = (this.behavior.idleTimeout ?? 120) * 1000;
    if (idle === 0 || this.closed) return;
    const silent = now - this.lastSeen;
    if (silent >= idle) this.close();
    else if (silent >= idle / 2 && !this.pinged && this.behavior.sendPingsAutomatically !== false) {
      this.pinged = true;
      this.ping();
    }
  }
}

export function toArrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
