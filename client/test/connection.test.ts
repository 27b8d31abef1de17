// The connection state machine, driven frame by frame through the fake socket and fake timers.
import { beforeEach, describe, expect, it } from 'vitest';
import { createAuthFrame, type ClientFrames, type ServerFrames } from '../../protocol/index.ts';
import { Connection, LOCAL_CLOSE, type ConnectionOptions, type StateChange } from '../connection.ts';
import { createRuntime } from '../runtime.ts';
import { FakeSocket, FakeTimers, FakeWebSocket, fixedIdentity, hello, ready, settle } from './fakes.ts';

const me = fixedIdentity(1);
const DEVICE = 'ab'.repeat(16);

function setup(o: Partial<ConnectionOptions> & { random?: () => number } = {}) {
  FakeSocket.reset();
  const timers = new FakeTimers();
  const runtime = createRuntime({
    clock: timers.clock,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: o.random ?? (() => 0.5),
  });
  const auths: ServerFrames['hello'][] = [];
  const conn = new Connection({
    urls: ['ws://a/ws'],
    WebSocket: FakeWebSocket,
    runtime,
    reconnect: { baseMs: 100, maxMs: 1000 },
    network: null,
    authenticate: async (h): Promise<ClientFrames['auth']> => {
      auths.push(h);
      return createAuthFrame({ identity: me, deviceId: DEVICE, nonce: h.nonce, epoch: h.epoch, url: 'ws://127.0.0.1:1/ws' });
    },
    ...o,
  });
  const states: StateChange[] = [];
  const errors: Error[] = [];
  conn.on('state', (s) => states.push(s));
  conn.on('error', (e) => errors.push(e));
  /** Opens the latest socket and walks it through hello → auth → ready. */
  const handshake = async (opts: { heartbeatMs?: number } = {}) => {
    const s = FakeSocket.last;
    s.open();
    s.push(hello(opts));
    await settle();
    expect(s.frames('auth')).toHaveLength(1);
    s.push(ready(me.sessionId, DEVICE));
    return s;
  };
  return { conn, timers, states, errors, auths, handshake };
}

const path = (states: StateChange[]) => states.map((s) => s.newState);

describe('Connection', () => {
  beforeEach(() => FakeSocket.reset());

  it('goes disconnected → connecting → authenticating → connected, one setState per transition', async () => {
    const { conn, states, handshake } = setup();
    conn.connect();
    expect(conn.state).toBe('connecting');
    const s = await handshake();
    expect(conn.state).toBe('connected');
    expect(states).toEqual([
      { oldState: 'disconnected', newState: 'connecting' },
      { oldState: 'connecting', newState: 'authenticating' },
      { oldState: 'authenticating', newState: 'connected' },
    ]);
    expect(s.frames('auth')[0]).toMatchObject({ sessionId: me.sessionId, deviceId: DEVICE });
  });

  it('connect() is idempotent: one socket however often it is called', async () => {
    const { conn, handshake } = setup();
    conn.connect();
    conn.connect();
    await handshake();
    conn.connect();
    expect(FakeSocket.instances).toHaveLength(1);
  });

  it('frames before ready are not handed on; frames after it are, with the socket generation', async () => {
    const { conn, handshake } = setup();
    const got: string[] = [];
    conn.on('frame', ({ frame, gen }) => got.push(`${frame.type}@${gen}`));
    conn.connect();
    FakeSocket.last.open();
    FakeSocket.last.push({ type: 'presence', id: me.sessionId, online: true, ts: 1 });
    await handshake();
    FakeSocket.last.push({ type: 'presence', id: me.sessionId, online: true, ts: 1 });
    expect(got).toEqual([`presence@${conn.gen}`]);
  });

  it('pings every heartbeatMs and reconnects when no pong comes within 2×', async () => {
    const { conn, timers, states, handshake } = setup();
    conn.connect();
    const s = await handshake({ heartbeatMs: 1000 });
    await timers.advance(1000);
    expect(s.frames('ping')).toHaveLength(1);
    s.push({ type: 'pong', serverTime: timers.now });
    await timers.advance(1000);
    expect(s.frames('ping')).toHaveLength(2);
    expect(conn.state).toBe('connected');
    await timers.advance(2000); // silence since the second ping
    expect(states.at(-1)).toMatchObject({
      oldState: 'connected',
      newState: 'connecting',
      reason: 'heartbeat timeout',
      code: LOCAL_CLOSE.HEARTBEAT_TIMEOUT,
    });
    expect(s.closedByClient).toBeDefined();
    // Full jitter with random() = 0.5: the first retry waits 0.5 × 100 ms.
    await timers.advance(49);
    expect(FakeSocket.instances).toHaveLength(1);
    await timers.advance(1);
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('a server "going away" (1001) and a network error take the same reconnect path', async () => {
    const { conn, timers, states, handshake } = setup();
    conn.connect();
    const s1 = await handshake();
    s1.drop(1001, 'GOING_AWAY');
    expect(states.at(-1)).toMatchObject({ newState: 'connecting', code: 1001 });
    await timers.advance(50);
    const s2 = await handshake();
    expect(s2).not.toBe(s1);
    expect(conn.state).toBe('connected');
    s2.drop(1006);
    expect(states.at(-1)).toMatchObject({ newState: 'connecting', code: 1006 });
    await timers.advance(50);
    expect(FakeSocket.instances).toHaveLength(3);
  });

  it('backs off with growing windows while the server stays away, and resets after a success', async () => {
    const { conn, timers, handshake } = setup({ random: () => 0.999 });
    conn.connect();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = timers.now;
      const n = FakeSocket.instances.length;
      FakeSocket.last.drop(1006);
      while (FakeSocket.instances.length === n) await timers.advance(1);
      waits.push(timers.now - before);
    }
    expect(waits).toEqual([99, 199, 399, 799, 999]);
    await handshake();
    FakeSocket.last.drop(1006);
    const before = timers.now;
    const n = FakeSocket.instances.length;
    while (FakeSocket.instances.length === n) await timers.advance(1);
    expect(timers.now - before).toBe(99);
  });

  it('a fatal auth error stops reconnecting and surfaces the error', async () => {
    const { conn, timers, states, errors } = setup();
    conn.connect();
    const s = FakeSocket.last;
    s.open();
    s.push(hello());
    await settle();
    s.push({ type: 'error', code: 'AUTH_BAD_SIGNATURE', message: 'auth signature does not verify' });
    s.drop(4406, 'AUTH_BAD_SIGNATURE');
    expect(conn.state).toBe('disconnected');
    expect(errors.map((e) => (e as { code?: string }).code)).toContain('AUTH_BAD_SIGNATURE');
    await timers.advance(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(path(states)).toEqual(['connecting', 'authenticating', 'disconnected']);
  });

  it('rotates through several URLs when one fails before ready', async () => {
    const { conn, timers } = setup({ urls: ['ws://a/ws', 'ws://b/ws'] });
    conn.connect();
    expect(FakeSocket.last.url).toBe('ws://a/ws');
    FakeSocket.last.drop(1006);
    await timers.advance(1000);
    expect(FakeSocket.last.url).toBe('ws://b/ws');
    FakeSocket.last.drop(1006);
    await timers.advance(1000);
    expect(FakeSocket.last.url).toBe('ws://a/ws');
  });

  it('handshake timeout: a server that never says hello is dropped and retried', async () => {
    const { conn, timers, states } = setup({ handshakeTimeoutMs: 5000 });
    conn.connect();
    const first = FakeSocket.last;
    first.open();
    await timers.advance(4999);
    expect(first.closedByClient).toBeUndefined();
    await timers.advance(1);
    expect(first.closedByClient).toEqual({ code: 1000, reason: 'handshake timeout' });
    await timers.advance(1000);
    expect(FakeSocket.instances).toHaveLength(2);
    // Still trying, so still connecting: no transition was emitted for the retry.
    expect(path(states)).toEqual(['connecting']);
    expect(conn.state).toBe('connecting');
  });

  it("the browser's offline event reconnects through backoff; online skips the wait", async () => {
    const network = new EventTarget();
    const { conn, states, handshake } = setup({ network: network as never });
    conn.connect();
    await handshake();
    network.dispatchEvent(new Event('offline'));
    expect(states.at(-1)).toMatchObject({ newState: 'connecting', reason: 'network offline', code: LOCAL_CLOSE.OFFLINE });
    expect(FakeSocket.instances).toHaveLength(1);
    network.dispatchEvent(new Event('online'));
    expect(FakeSocket.instances).toHaveLength(2);
    await handshake();
    expect(conn.state).toBe('connected');
    conn.disconnect();
    network.dispatchEvent(new Event('offline'));
    network.dispatchEvent(new Event('online'));
    expect(FakeSocket.instances).toHaveLength(2);
  });

  it('disconnect() is the one teardown: closes the socket, stops timers and reconnects', async () => {
    const { conn, timers, states, handshake } = setup();
    conn.connect();
    const s = await handshake({ heartbeatMs: 1000 });
    conn.disconnect();
    expect(s.closedByClient?.code).toBe(1000);
    expect(states.at(-1)).toMatchObject({ oldState: 'connected', newState: 'disconnected', reason: 'client disconnect' });
    expect(timers.pending).toBe(0);
    await timers.advance(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(conn.send({ type: 'ping' })).toBe(false);
  });

  it('a malformed or binary frame is reported, not fatal', async () => {
    const { conn, errors, handshake } = setup();
    conn.connect();
    const s = await handshake();
    (s.onmessage as (ev: { data: unknown }) => void)({ data: 'not json' });
    (s.onmessage as (ev: { data: unknown }) => void)({ data: new Uint8Array(3) });
    s.push({ type: 'envelope', id: 'nope' });
    expect(errors.map((e) => (e as { code?: string }).code)).toEqual(['BAD_JSON', 'BINARY_UNSUPPORTED', 'BAD_FRAME']);
    expect(conn.state).toBe('connected');
  });
});
