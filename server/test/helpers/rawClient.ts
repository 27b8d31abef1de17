// A raw protocol client for server tests: real sockets (ws), frames as plain objects, waits by type
// or predicate with timeouts, the auth handshake, and grant helpers. No SDK: the tests speak the
// wire protocol of docs/protocol.md directly, including frames a correct client never sends.
import WebSocket from 'ws';
import {
  createAuthFrame,
  createGrant,
  createIdentity,
  createRevocation,
  randomId,
  type Grant,
  type Identity,
  type Revocation,
  type SessionId,
} from '../../../protocol/index.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
// biome-ignore lint/suspicious/noExplicitAny: raw frames of every shape, read field by field by the tests
export type Frame = { type: string; [k: string]: any };
export type Match = string | ((f: Frame) => boolean);

interface Waiter {
  match: (f: Frame) => boolean;
  resolve: (f: Frame) => void;
}

export interface AuthOptions {
  deviceId?: string;
  resume?: { epoch: string; offset: number };
  grants?: Grant[];
  revocations?: Revocation[];
  hidePresence?: boolean;
  /** The URL the signature names (default: the one this socket dialled). */
  url?: string;
}

export interface ConnectOptions {
  origin?: string;
  headers?: Record<string, string | string[]>;
}

const DEFAULT_TIMEOUT = 5000;

function toPredicate(m: Match): (f: Frame) => boolean {
  return typeof m === 'string' ? (f) => f.type === m : m;
}

export class RawClient {
  /** Every frame received, in order. */
  readonly received: Frame[] = [];
  /** Frames received and not yet taken by next(). */
  private readonly pending: Frame[] = [];
  private waiters: Waiter[] = [];
  private closeInfo: { code: number; reason: string } | undefined;
  private readonly closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];
  identity: Identity | undefined;
  deviceId = randomId();
  hello: Frame | undefined;
  ready: Frame | undefined;

  private constructor(
    readonly ws: WebSocket,
    /** The URL dialled: auth v2 signs its origin. */
    readonly url: string,
  ) {
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const frame = JSON.parse(text) as Frame;
      this.received.push(frame);
      const i = this.waiters.findIndex((w) => w.match(frame));
      if (i >= 0) {
        const [w] = this.waiters.splice(i, 1);
        w!.resolve(frame);
      } else {
        this.pending.push(frame);
      }
    });
    ws.on('close', (code, reason) => {
      this.closeInfo = { code, reason: reason.toString() };
      for (const w of this.closeWaiters.splice(0)) w(this.closeInfo);
    });
    ws.on('error', () => {});
  }

  /** Opens a socket and waits for hello. */
  static async connect(url: string, opts: ConnectOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, { origin: opts.origin, headers: opts.headers });
    const client = new RawClient(ws, url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)));
      ws.once('error', reject);
    });
    client.hello = await client.next('hello');
    return client;
  }

  /** The HTTP status of a refused upgrade, or 101 when the socket opened. */
  static async upgradeStatus(url: string, opts: ConnectOptions = {}): Promise<{ status: number; body: string }> {
    const ws = new WebSocket(url, { origin: opts.origin, headers: opts.headers });
    ws.on('error', () => {});
    return new Promise((resolve) => {
      ws.once('open', () => {
        ws.terminate();
        resolve({ status: 101, body: '' });
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
    });
  }

  get sessionId(): SessionId {
    if (!this.identity) throw new Error('not authenticated');
    return this.identity.sessionId;
  }

  /** The first received frame matching, taken out of the queue; waits up to timeoutMs for it. */
  next(match: Match, timeoutMs = DEFAULT_TIMEOUT): Promise<Frame> {
    const pred = toPredicate(match);
    const i = this.pending.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.pending.splice(i, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match: pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.received.map((f) => f.type).join(',');
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${typeof match === 'string' ? match : 'a matching frame'}; received: [${seen}]${this.closeInfo ? `; closed ${this.closeInfo.code} ${this.closeInfo.reason}` : ''}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Frames received and not taken, optionally only those matching. */
  queued(match?: Match): Frame[] {
    return match === undefined ? [...this.pending] : this.pending.filter(toPredicate(match));
  }

  /** The error frame answering `ref`. */
  errorFor(ref: string, timeoutMs = DEFAULT_TIMEOUT): Promise<Frame> {
    return this.next((f) => f.type === 'error' && f.ref === ref, timeoutMs);
  }

  /**
   * Round trip through this socket's serial inbox: every frame the server sent before the pong was
   * received before this resolves. The way to assert that something did NOT arrive, without sleeping.
   */
  async barrier(): Promise<void> {
    const t = Math.floor(Math.random() * 2 ** 40);
    this.send({ type: 'ping', t });
    await this.next((f) => f.type === 'pong' && f.t === t);
  }

  send(frame: object): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Sends auth for identity and waits for ready (or the error and close). */
  async auth(identity: Identity, opts: AuthOptions = {}): Promise<Frame> {
    this.identity = identity;
    if (opts.deviceId) this.deviceId = opts.deviceId;
    this.send(this.authFrame(identity, opts));
    this.ready = await this.next((f) => f.type === 'ready' || f.type === 'error');
    if (this.ready.type === 'error') throw new Error(`auth failed: ${this.ready.code} ${this.ready.message}`);
    return this.ready;
  }

  authFrame(identity: Identity, opts: AuthOptions = {}) {
    return createAuthFrame({
      identity,
      deviceId: opts.deviceId ?? this.deviceId,
      nonce: this.hello!.nonce as string,
      epoch: this.hello!.epoch as string,
      url: opts.url ?? this.url,
      resume: opts.resume,
      grants: opts.grants ?? [],
      revocations: opts.revocations ?? [],
      ...(opts.hidePresence !== undefined ? { hidePresence: opts.hidePresence } : {}),
    });
  }

  /** Sends an envelope; returns its id. */
  sendEnvelope(to: string, ct = randomCt(), extra: { id?: string; ephemeral?: boolean } = {}): string {
    const id = extra.id ?? randomId();
    this.send({ type: 'send', id, to, ct, ...(extra.ephemeral ? { ephemeral: true } : {}) });
    return id;
  }

  /** Resolves with the close code and reason (at once if already closed). */
  closed(timeoutMs = DEFAULT_TIMEOUT): Promise<{ code: number; reason: string }> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  get isClosed(): boolean {
    return this.closeInfo !== undefined;
  }

  async close(): Promise<void> {
    if (this.closeInfo) return;
    this.ws.close(1000);
    await this.closed().catch(() => this.ws.terminate());
  }
}

/** Random bytes as base64: the server only ever sees ciphertext, so any bytes will do. */
export function randomCt(bytes = 48): string {
  return Buffer.from(Array.from({ length: bytes }, () => Math.floor(Math.random() * 256))).toString('base64');
}

export function newIdentity(): Identity {
  return createIdentity();
}

/** A grant from `granter` to `to`, issued at `now` (server clock in tests that fake it). */
export function grant(granter: Identity, to: Identity | string, now = Date.now(), lifetimeMs?: number): Grant {
  const target = (typeof to === 'string' ? to : to.sessionId) as SessionId;
  return createGrant(granter, target, now, lifetimeMs);
}

export function revocation(granter: Identity, to: Identity | string, now = Date.now()): Revocation {
  return createRevocation(granter, (typeof to === 'string' ? to : to.sessionId) as SessionId, now);
}

/** Connects and authenticates. */
export async function connectAs(url: string, identity: Identity, opts: AuthOptions & ConnectOptions = {}): Promise<RawClient> {
  const c = await RawClient.connect(url, opts);
  await c.auth(identity, opts);
  return c;
}

/** Two identities holding each other's grants, both connected. */
export async function connectedPair(
  url: string,
  now = Date.now(),
): Promise<{ a: RawClient; b: RawClient; alice: Identity; bob: Identity }> {
  const alice = newIdentity();
  const bob = newIdentity();
  const a = await connectAs(url, alice, { grants: [grant(bob, alice, now)] });
  const b = await connectAs(url, bob, { grants: [grant(alice, bob, now)] });
  return { a, b, alice, bob };
}

/** An invite frame from `from` to `to` carrying from's grant. */
export function invitationTo(from: Identity, to: Identity, now = Date.now(), id = randomId()) {
  return { type: 'invite', id, to: to.sessionId, ct: randomCt(), grant: grant(from, to, now) };
}
