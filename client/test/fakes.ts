// The one fake of the client suites: a WebSocket whose server side the test drives frame by frame,
// plus manual timers and clock. Used where a real server cannot produce the case on demand
// (a lost pong, a tampered box, a storage write that has not finished). Everything end to end
// runs against the real server in *.integration.test.ts.
import {
  createGrant,
  createIdentity,
  fromBase64,
  identityFromEntropy,
  open,
  randomBytes,
  seal,
  toBase64,
  utf8Decode,
  utf8ToBytes,
  type ClientFrame,
  type ClientFrames,
  type Identity,
  type ServerFrame,
  type SessionId,
} from '../../protocol/index.ts';
import {
  MemoryStorage,
  MessengerClient,
  type ClientEvents,
  type MessengerClientOptions,
  type Storage,
  type WebSocketConstructor,
  type WebSocketLike,
} from '../index.ts';

export class FakeTimers {
  now = 1_700_000_000_000;
  private _seq = 0;
  private readonly _timers = new Map<number, { at: number; fn: () => void; seq: number }>();

  readonly clock = (): number => this.now;
  readonly setTimeout = (fn: () => void, ms: number): number => {
    const id = ++this._seq;
    this._timers.set(id, { at: this.now + Math.max(0, ms), fn, seq: id });
    return id;
  };
  readonly clearTimeout = (id: unknown): void => {
    this._timers.delete(id as number);
  };

  get pending(): number {
    return this._timers.size;
  }

  /** Moves time forward, running each timer that falls due, in order, with the async work it starts. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      await settle();
      const due = [...this._timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at || a[1].seq - b[1].seq)[0];
      if (!due) break;
      this._timers.delete(due[0]);
      this.now = Math.max(this.now, due[1].at);
      due[1].fn();
    }
    this.now = until;
    await settle();
  }
}

/** Lets promise chains (storage, the serial queue) run to quiescence. Real macrotask turns. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

export class FakeSocket implements WebSocketLike {
  static instances: FakeSocket[] = [];
  static reset(): void {
    FakeSocket.instances = [];
  }
  static get last(): FakeSocket {
    const s = FakeSocket.instances.at(-1);
    if (!s) throw new Error('no socket was opened');
    return s;
  }

  readyState = 0;
  readonly sent: ClientFrame[] = [];
  closedByClient: { code?: number; reason?: string } | undefined;
  onopen: ((ev: never) => unknown) | null = null;
  onmessage: ((ev: never) => unknown) | null = null;
  onerror: ((ev: never) => unknown) | null = null;
  onclose: ((ev: never) => unknown) | null = null;

  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.sent.push(JSON.parse(data) as ClientFrame);
  }
  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  // ---- the server's side ----
  open(): void {
    this.readyState = 1;
    (this.onopen as ((ev: unknown) => void) | null)?.({});
  }
  push(frame: ServerFrame | Record<string, unknown>): void {
    (this.onmessage as ((ev: { data: string }) => void) | null)?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    (this.onclose as ((ev: { code: number; reason: string }) => void) | null)?.({ code, reason });
  }
  frames<T extends ClientFrame['type']>(type: T): Extract<ClientFrame, { type: T }>[] {
    return this.sent.filter((f): f is Extract<ClientFrame, { type: T }> => f.type === type);
  }
}

export const FakeWebSocket = FakeSocket as unknown as WebSocketConstructor;

export const LIMITS = {
  maxFrameBytes: 65536,
  maxCtBytes: 49152,
  maxGrants: 1000,
  mailboxMaxEntries: 10000,
  mailboxMaxBytes: 1 << 25,
  mailboxTtlMs: 7 * 86_400_000,
  invitationTtlMs: 86_400_000,
  maxPresenceSubs: 1000,
};

export function hello(opts: { epoch?: string; heartbeatMs?: number; now?: number; limits?: Partial<typeof LIMITS> } = {}): ServerFrame {
  return {
    type: 'hello',
    v: 1,
    nonce: toBase64(randomBytes(32)),
    epoch: opts.epoch ?? 'e1',
    serverTime: opts.now ?? 1_700_000_000_000,
    heartbeatMs: opts.heartbeatMs ?? 30_000,
    limits: { ...LIMITS, ...opts.limits },
  };
}

export function ready(sessionId: string, deviceId: string, opts: { epoch?: string; resumed?: boolean; head?: number } = {}): ServerFrame {
  return {
    type: 'ready',
    sessionId,
    deviceId,
    epoch: opts.epoch ?? 'e1',
    head: opts.head ?? 0,
    resumed: opts.resumed ?? false,
    grantsRejected: [],
  };
}

export function peer(): Identity {
  return createIdentity();
}

export function fixedIdentity(byte: number): Identity {
  return identityFromEntropy(new Uint8Array(16).fill(byte));
}

// ---- a MessengerClient on the fake socket -------------------------------------------------------

export interface Harness {
  c: MessengerClient;
  me: string;
  timers: FakeTimers;
  storage: Storage;
  events: { [K in keyof ClientEvents]: ClientEvents[K][] };
  /** Runs the handshake on the latest socket; resolves after ready is processed. */
  handshake(opts?: {
    epoch?: string;
    resumed?: boolean;
    heartbeatMs?: number;
    limits?: Partial<typeof LIMITS>;
  }): Promise<{ s: FakeSocket; auth: ClientFrames['auth'] }>;
  /** connect() plus the handshake. */
  connect(opts?: {
    epoch?: string;
    resumed?: boolean;
    limits?: Partial<typeof LIMITS>;
  }): Promise<{ s: FakeSocket; auth: ClientFrames['auth'] }>;
  /** The server drops the socket (1001); the client reconnects after its backoff; handshake again. */
  reconnect(opts?: { epoch?: string; resumed?: boolean }): Promise<{ s: FakeSocket; auth: ClientFrames['auth'] }>;
  /** Makes peers accepted contacts (a grant from each, in the account document), as an accepted invitation would. */
  befriend(...peers: Identity[]): Promise<void>;
}

export async function harness(o: Partial<MessengerClientOptions> = {}): Promise<Harness> {
  FakeSocket.reset();
  const timers = new FakeTimers();
  const storage = o.storage ?? new MemoryStorage();
  const c = await MessengerClient.create({
    url: 'ws://test/ws',
    WebSocket: FakeWebSocket,
    clock: timers.clock,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
    network: null,
    reconnect: { baseMs: 100, maxMs: 1000 },
    retry: { baseMs: 100, maxMs: 1000 },
    ...o,
    storage,
  });
  if (!c.hasIdentity) await c.createIdentity();
  const names = [
    'message',
    'invitation',
    'invitationUpdate',
    'status',
    'typing',
    'presence',
    'connection',
    'contact',
    'read',
    'error',
  ] as const;
  const events = Object.fromEntries(names.map((n) => [n, [] as unknown[]])) as unknown as Harness['events'];
  const on = c.on.bind(c) as (event: string, fn: (p: unknown) => void) => void;
  for (const n of names) on(n, (p) => (events[n] as unknown[]).push(p));
  const handshake: Harness['handshake'] = async (opts = {}) => {
    const s = FakeSocket.last;
    s.open();
    s.push(
      hello({
        epoch: opts.epoch,
        heartbeatMs: opts.heartbeatMs ?? 3_600_000,
        now: timers.now,
        ...(opts.limits ? { limits: opts.limits } : {}),
      }),
    );
    await settle();
    const auth = s.frames('auth')[0]!;
    s.push(ready(c.sessionId!, c.deviceId!, opts));
    await settle();
    // The server has no account document yet: the answer every fresh identity gets.
    for (const g of s.frames('account_get')) s.push({ type: 'account', ref: g.id, version: 0 });
    await settle();
    return { s, auth };
  };
  return {
    c,
    me: c.sessionId!,
    timers,
    storage,
    events,
    handshake,
    async connect(opts) {
      const p = c.connect();
      const r = await handshake(opts);
      await p;
      return r;
    },
    async befriend(...peers) {
      const contacts = (
        c as unknown as { _contacts: { accepted(b: undefined, peer: string, held: unknown, issued: unknown): Promise<void> } }
      )._contacts;
      for (const p of peers)
        await contacts.accepted(undefined, p.sessionId, createGrant(p, c.sessionId as SessionId, timers.now), undefined);
    },
    async reconnect(opts) {
      const n = FakeSocket.instances.length;
      FakeSocket.last.drop(1001, 'GOING_AWAY');
      while (FakeSocket.instances.length === n) await timers.advance(10);
      return handshake(opts);
    },
  };
}

let envelopeSeq = 0;
/** An envelope frame as the server would relay it: sealed by `from` to `to`. */
export function envelope(
  from: Identity,
  to: string,
  body: Record<string, unknown>,
  opts: { offset?: number; id?: string; claimedFrom?: string; ephemeral?: boolean } = {},
): ServerFrame {
  const ct = toBase64(seal(from, to as SessionId, utf8ToBytes(JSON.stringify(body))));
  const id = opts.id ?? (typeof body.id === 'string' ? body.id : (++envelopeSeq).toString(16).padStart(32, '0'));
  const f: Record<string, unknown> = { type: 'envelope', id, from: opts.claimedFrom ?? from.sessionId, ct, ts: 1_700_000_000_000 };
  if (opts.ephemeral) f.ephemeral = true;
  else f.offset = opts.offset ?? 1;
  return f as unknown as ServerFrame;
}

/** What the client sealed for `recipient` in a send frame. */
export function opened(recipient: Identity, frame: ClientFrames['send']): Record<string, unknown> {
  return JSON.parse(utf8Decode(open(recipient, fromBase64(frame.ct)).body)) as Record<string, unknown>;
}

export function hexId(n: number): string {
  return n.toString(16).padStart(32, '0');
}

/** A connected harness with one accepted contact, Bob: where most send and receive tests start. */
export async function withFriend(o: Partial<MessengerClientOptions> = {}): Promise<{ h: Harness; s: FakeSocket; bob: Identity }> {
  const h = await harness(o);
  const { s } = await h.connect();
  const bob = peer();
  await h.befriend(bob);
  return { h, s, bob };
}
