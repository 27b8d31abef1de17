// A lean protocol client for load: one `ws` socket speaking the real protocol (hello → auth with a
// real signature → ready; send; cumulative ack) and nothing else. Server frames are JSON-parsed but
// not schema-checked, and there is no outbox, reconnect or storage: that is the SDK's job, measured
// by the sdk scenario. Every stream entry is acknowledged on the SDK's own schedule (client/stream.ts
// DEFAULT_STREAM: one cumulative ack 50 ms after the first unacknowledged entry, at once after 100),
// so the server's mailbox and delivered notices run with full semantics and the acks a target
// parses are the ones real clients send.
import WebSocket from 'ws';
import type { KeyObject } from 'node:crypto';
import { DEFAULT_STREAM } from '../../client/stream.ts';
import type { Grant, ServerFrames } from '../../protocol/index.ts';
import type { Device } from './fixtures.ts';
import { authFrame, type SignerKind } from './signer.ts';

export type ConnState = 'connecting' | 'hello' | 'ready' | 'closed';

export interface FrameSink {
  envelope(conn: LeanConn, f: ServerFrames['envelope'], now: number): void;
  sent(conn: LeanConn, f: ServerFrames['sent'], now: number): void;
  delivered(conn: LeanConn, f: ServerFrames['delivered'], now: number): void;
  error(conn: LeanConn, f: ServerFrames['error'], now: number): void;
}

export interface ConnOptions {
  readonly url: string;
  readonly device: Device;
  readonly grants: Grant[];
  readonly key?: KeyObject;
  readonly signer: SignerKind;
  readonly localAddress?: string;
  readonly timeoutMs: number;
}

type AnyFrame = { type: string; offset?: number } & Record<string, unknown>;

export const { ackDelayMs: ACK_DELAY_MS, ackEvery: ACK_EVERY } = DEFAULT_STREAM;

export class LeanConn {
  readonly opts: ConnOptions;
  state: ConnState = 'connecting';
  /** performance.now() marks of the handshake. */
  tStart = 0;
  tHello = 0;
  tAuthSent = 0;
  tReady = 0;
  /** Whatever the scenario wants to hang on a connection (its partner, pair index, …). */
  partner: LeanConn | null = null;
  tag = 0;
  lastSendAt = 0;
  heartbeatMs = 30_000;
  /** Close code when the peer closed a ready connection that we did not close. */
  lostCode = 0;
  private closing = false;
  private ws: WebSocket | null = null;
  private highest = 0;
  private acked = 0;
  private unacked = 0;
  /** `ack` frames this connection has sent. */
  acksSent = 0;
  private ackTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly flushAck = (): void => {
    if (this.ackTimer) clearTimeout(this.ackTimer);
    this.ackTimer = null;
    this.unacked = 0;
    if (this.highest > this.acked && this.state === 'ready') {
      this.acked = this.highest;
      this.acksSent++;
      this.sendRaw(`{"type":"ack","offset":${this.highest}}`);
    }
  };
  sink: FrameSink | null = null;

  constructor(opts: ConnOptions) {
    this.opts = opts;
  }

  get sessionId(): string {
    return this.opts.device.identity.sessionId;
  }

  /** Resolves when `ready` arrives; rejects on close, error frame or timeout before that. */
  open(): Promise<void> {
    this.tStart = performance.now();
    return new Promise<void>((resolve, reject) => {
      const ws = new WebSocket(this.opts.url, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
        handshakeTimeout: this.opts.timeoutMs,
        ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
      });
      this.ws = ws;
      const timer = setTimeout(
        () => fail(new Error(`no ready within ${this.opts.timeoutMs} ms (state ${this.state})`)),
        this.opts.timeoutMs,
      );
      const fail = (e: Error): void => {
        clearTimeout(timer);
        if (this.state !== 'ready') {
          this.state = 'closed';
          ws.terminate();
          reject(e);
        }
      };
      ws.on('error', (e) => fail(e));
      ws.on('close', (code, reason) => {
        if (this.state !== 'ready') fail(new Error(`closed ${code} ${reason.toString()} before ready`));
        else if (!this.closing) this.lostCode = code;
        this.state = 'closed';
      });
      ws.on('message', (data) => {
        const now = performance.now();
        const f = JSON.parse((data as Buffer).toString()) as AnyFrame;
        if (this.state === 'ready') return this.onFrame(f, now);
        if (f.type === 'hello' && this.state === 'connecting') {
          this.tHello = now;
          this.state = 'hello';
          this.heartbeatMs = Number(f.heartbeatMs) || this.heartbeatMs;
          const auth = authFrame(
            {
              identity: this.opts.device.identity,
              deviceId: this.opts.device.deviceId,
              nonce: String(f.nonce),
              epoch: String(f.epoch),
              url: this.opts.url,
              grants: this.opts.grants,
              key: this.opts.key,
            },
            this.opts.signer,
          );
          ws.send(JSON.stringify(auth));
          this.tAuthSent = this.lastSendAt = performance.now();
        } else if (f.type === 'ready' && this.state === 'hello') {
          this.tReady = now;
          this.state = 'ready';
          clearTimeout(timer);
          resolve();
        } else if (f.type === 'error') {
          fail(new Error(`error ${String(f.code)} before ready: ${String(f.message)}`));
        }
      });
    });
  }

  private onFrame(f: AnyFrame, now: number): void {
    // Only entries of this device's own stream are acknowledged. A `sent` frame's offset is the
    // recipient's stream, except for a copy to one's own Session ID (which lands in one's own).
    if (typeof f.offset === 'number' && f.offset > this.highest && (f.type !== 'sent' || f.to === this.sessionId)) {
      this.highest = f.offset;
      if (++this.unacked >= ACK_EVERY) this.flushAck();
      else if (!this.ackTimer) this.ackTimer = setTimeout(this.flushAck, ACK_DELAY_MS);
    }
    const sink = this.sink;
    if (!sink) return;
    switch (f.type) {
      case 'envelope':
        return sink.envelope(this, f as unknown as ServerFrames['envelope'], now);
      case 'sent':
        return sink.sent(this, f as unknown as ServerFrames['sent'], now);
      case 'delivered':
        return sink.delivered(this, f as unknown as ServerFrames['delivered'], now);
      case 'error':
        return sink.error(this, f as unknown as ServerFrames['error'], now);
      default:
        return;
    }
  }

  /** An entry has arrived that is not acknowledged yet (the SDK's ack window is open). */
  get ackOwed(): boolean {
    return this.highest > this.acked;
  }

  sendRaw(text: string): void {
    this.ws!.send(text);
    this.lastSendAt = performance.now();
  }

  /** A `send` frame; the ciphertext is pasted in as it is (already canonical base64). */
  sendEnvelope(id: string, to: string, ct: string, ephemeral: boolean): void {
    this.sendRaw(
      ephemeral
        ? `{"type":"send","id":"${id}","to":"${to}","ct":"${ct}","ephemeral":true}`
        : `{"type":"send","id":"${id}","to":"${to}","ct":"${ct}"}`,
    );
  }

  ping(): void {
    this.sendRaw(`{"type":"ping","t":${Date.now()}}`);
  }

  /** Bytes `ws` has queued but not yet written: the client-side backlog. */
  get buffered(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  close(): Promise<void> {
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    this.closing = true;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => ws.terminate(), 3000);
      ws.once('close', () => {
        clearTimeout(timer);
        this.state = 'closed';
        resolve();
      });
      ws.close(1000);
    });
  }
}
