// Fuzzing the real server process: ≥ 100k generated frames (random text and bytes, binary frames,
// truncated and mutated valid frames, deep and huge JSON, a wrong type in every field, server
// frame types, every client frame type in every connection state) from several sockets at once,
// each socket from its own address. The server must stay up with bounded RSS, never fail
// internally, and an honest pair chatting throughout must get every message, on sockets that are
// never disturbed.
// Replay a run with FUZZ_SEED=<the printed seed>.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createIdentity, randomId } from '../../protocol/index.ts';
import { byLabel, ChildServer, total } from './helpers/child.ts';
import { CLIENT_TYPES, FrameFactory, material, nativeAuth, Rng, type FuzzKind, type Material } from './helpers/fuzzFrames.ts';
import { connectedPair, type RawClient } from './helpers/rawClient.ts';
import { until } from './helpers/server.ts';
import { freePort } from '../../testkit/net.ts';

const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const TARGET_FRAMES = Number(process.env.FUZZ_FRAMES ?? 100_000);
/**
 * A cap, not a goal: on two idle cores the targets are met in well under a minute, but a machine
 * shared with other suites (load 15 on 2 cores) has needed ~120 s; the count is what is asserted.
 */
const TIME_BUDGET_MS = 360_000;
const WORKERS = 6;
/** Workers whose sockets nearly behave and live long; the others churn through junk sockets. */
const LONG_WORKERS = 2;
/** Frames the server must have handled that a correct client never sends (parse failures etc.). */
const TARGET_JUNK = Number(process.env.FUZZ_JUNK ?? 10_000);
/** Frames the long-lived sockets send in all; after that only junk sockets churn. */
const LONG_FRAMES = 110_000;
const MAX_FRAME_BYTES = 65_536;
const MiB = 1 << 20;

type State = 'pre_auth' | 'pipelined' | 'ready';
/** Per state, the next client frame type to send well-formed (so every type meets every state). */
const turns: Record<State, number> = { pre_auth: 0, pipelined: 0, ready: 0 };
const TURN_CHANCE: Record<State, number> = { pre_auth: 0.5, pipelined: 0.2, ready: 0.02 };

interface Tally {
  sent: number;
  /** Sent by long-lived sockets. */
  longSent: number;
  connections: number;
  byKind: Partial<Record<FuzzKind, number>>;
  /** `${state}:${type}` for every well-formed frame of each client type sent in each state. */
  coverage: Set<string>;
  errorsSeen: Record<string, number>;
}

/**
 * One hostile connection: opens, maybe authenticates, sends generated frames until done or closed.
 * A `long` socket nearly behaves (mostly well-formed but hostile frames, some junk) and lives for
 * up to 2000 frames; otherwise the socket sends junk before, with or after auth and is cut.
 */
async function attack(
  url: string,
  rng: Rng,
  factory: FrameFactory,
  me: Material,
  address: string,
  tally: Tally,
  stopped: () => boolean,
  long: boolean,
): Promise<void> {
  const state = long ? 'ready' : rng.pick<State>(['pre_auth', 'pre_auth', 'pipelined', 'ready', 'ready']);
  const ws = new WebSocket(url, { headers: { 'X-Forwarded-For': address } });
  tally.connections++;
  let nonce: string | undefined;
  let epoch = '';
  let ready = false;
  let closed = false;
  let pongs = 0;
  const wake: (() => void)[] = [];
  const poke = (): void => {
    for (const w of wake.splice(0)) w();
  };
  ws.on('message', (data) => {
    const text = data.toString();
    if (nonce === undefined) ({ nonce, epoch } = JSON.parse(text) as { nonce: string; epoch: string });
    else if (!ready && text.startsWith('{"type":"ready"')) ready = true;
    else if (text.startsWith('{"type":"pong"')) pongs++;
    const err = /^\{"type":"error","code":"(\w+)","message":"([^"]*)/.exec(text);
    if (err) {
      // A rate limit says which in its message ("…: send is limited…", "…: too many frames…").
      const code = err[1] === 'RATE_LIMITED' ? `RATE_LIMITED(${err[2]!.split(': ').at(-1)!.split(' ').slice(0, 2).join(' ')})` : err[1]!;
      tally.errorsSeen[code] = (tally.errorsSeen[code] ?? 0) + 1;
    }
    poke();
  });
  ws.on('close', () => {
    closed = true;
    poke();
  });
  ws.on('error', () => undefined);
  const until = (cond: () => boolean, ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      const check = (): void => {
        if (cond() || closed) {
          clearTimeout(timer);
          resolve();
        } else wake.push(check);
      };
      check();
    });
  const send = (data: string | Buffer, binary: boolean): boolean => {
    if (closed || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(data, { binary });
    tally.sent++;
    if (long) tally.longSent++;
    return true;
  };
  const auth = (): object => nativeAuth(me, randomId(), { nonce: nonce!, epoch }, url);
  const fire = (rate: number): boolean => {
    // Now and then a well-formed frame of the next type in turn, so every type meets every state.
    if (rng.chance(TURN_CHANCE[state])) {
      const type = CLIENT_TYPES[turns[state]++ % CLIENT_TYPES.length]!;
      tally.coverage.add(`${state}:${type}`);
      tally.byKind.valid = (tally.byKind.valid ?? 0) + 1;
      return send(JSON.stringify(factory.valid(type, me, auth)), false);
    }
    const f = factory.next(me, rate, MAX_FRAME_BYTES, auth);
    if (f.kind === 'valid' && f.type) tally.coverage.add(`${state}:${f.type}`);
    tally.byKind[f.kind] = (tally.byKind[f.kind] ?? 0) + 1;
    return send(f.data, f.binary);
  };

  await until(() => nonce !== undefined, 5000);
  if (state === 'pre_auth') {
    // Anything but a good auth first is fatal: one or two frames per socket.
    for (let i = 0; i < 1 + rng.int(2); i++) fire(rng.chance(0.3) ? 0 : 0.5);
  } else {
    send(JSON.stringify(auth()), false);
    if (state === 'pipelined') {
      for (let i = 0; i < 1 + rng.int(30); i++) fire(rng.pick([0, 0.05, 0.5]));
    } else {
      await until(() => ready, 5000);
      const rate = long ? rng.pick([0.002, 0.01, 0.05]) : rng.pick([0.5, 1]);
      const n = long ? 100 + rng.int(2000) : 12;
      for (let i = 0; i < n && !closed && !stopped() && !(long && tally.longSent >= LONG_FRAMES); i++) {
        if (!fire(rate)) break;
        if (ws.bufferedAmount > 256 * 1024 || i % 64 === 63) await new Promise((r) => setImmediate(r));
      }
    }
  }
  // Let the server answer what it was sent (or close), then leave abruptly half the time.
  const before = pongs;
  send('{"type":"ping","t":7}', false);
  await until(() => pongs > before, 3000);
  if (rng.chance(0.5)) ws.terminate();
  else ws.close();
}

/** Frames the server handled that no correct client sends: unparseable, binary, oversized, or refused as misbehaviour. */
function junkHandled(m: Map<string, number>): number {
  const frames = byLabel(m, 'sm_frames_in_total');
  const errors = byLabel(m, 'sm_errors_total');
  const parsedButWrong = ['ALREADY_AUTHENTICATED', 'GRANT_INVALID', 'AUTH_REQUIRED', 'AUTH_KEY_MISMATCH', 'AUTH_BAD_SIGNATURE'].reduce(
    (n, c) => n + (errors[c] ?? 0),
    0,
  );
  return (frames.invalid ?? 0) + (frames.binary ?? 0) + (frames.too_large ?? 0) + parsedButWrong;
}

describe('fuzz (server in a child process)', () => {
  it(
    '≥ 100k hostile frames: the server stays up, RSS bounded, no internal error, the honest pair gets every message',
    async () => {
      const port = await freePort();
      const srv = await ChildServer.start({ TRUST_PROXY: '1', AUTH_TIMEOUT: '2s', PUBLIC_ORIGINS: `ws://127.0.0.1:${port}` }, port);
      const rng = new Rng(SEED);
      const people = Array.from({ length: 24 }, () => createIdentity());
      const mats = people.map((p, i) => material(p, [...people.slice(i + 1), ...people.slice(0, i)]));
      const factory = new FrameFactory(rng, mats);

      // The honest pair: two users holding each other's grants, from their own address, chatting
      // and acknowledging what they get, as a client does.
      const { a: alice, b: bob } = await connectedPair(srv.url);
      const honest = {
        sentByAlice: [] as string[],
        sentByBob: [] as string[],
        gotByAlice: [] as string[],
        gotByBob: [] as string[],
        refused: [] as string[],
      };
      const listen = (c: RawClient, got: string[]): void => {
        c.ws.on('message', (data) => {
          const f = JSON.parse(data.toString()) as { type: string; id?: string; offset?: number; code?: string };
          if (f.type === 'envelope') {
            got.push(f.id!);
            c.send({ type: 'ack', offset: f.offset });
          } else if (f.type === 'error') honest.refused.push(f.code!);
        });
      };
      listen(alice, honest.gotByAlice);
      listen(bob, honest.gotByBob);

      const baseline = srv.rss();
      let peakRss = baseline;
      const cpu0 = { server: srv.cpuSeconds(), here: process.cpuUsage() };
      const tally: Tally = { sent: 0, longSent: 0, connections: 0, byKind: {}, coverage: new Set(), errorsSeen: {} };
      const started = Date.now();
      let stop = false;
      const stopped = (): boolean => stop;

      const chat = (async () => {
        for (let i = 0; !stop; i++) {
          if (i % 2 === 0) honest.sentByAlice.push(alice.sendEnvelope(bob.sessionId));
          else honest.sentByBob.push(bob.sendEnvelope(alice.sessionId));
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const workers = Array.from({ length: WORKERS }, async (_, w) => {
        while (!stop && !(w < LONG_WORKERS && tally.longSent >= LONG_FRAMES)) {
          const me = rng.pick(mats);
          await attack(srv.url, rng, factory, me, `10.${w}.${rng.int(256)}.${rng.int(256)}`, tally, stopped, w < LONG_WORKERS);
        }
      });
      let handled = 0;
      while (!stop) {
        await new Promise((r) => setTimeout(r, 500));
        peakRss = Math.max(peakRss, srv.rss());
        const now = await srv.metrics();
        handled = total(now, 'sm_frames_in_total');
        if ((handled >= TARGET_FRAMES && junkHandled(now) >= TARGET_JUNK) || Date.now() - started > TIME_BUDGET_MS) stop = true;
      }
      await Promise.all(workers);
      await chat;
      const fuzzSeconds = (Date.now() - started) / 1000;
      const here = process.cpuUsage(cpu0.here);
      const cpu = { server: srv.cpuSeconds() - cpu0.server, clients: (here.user + here.system) / 1e6 };

      // The honest pair: every message arrives, once.
      await until(
        () => honest.gotByBob.length >= honest.sentByAlice.length && honest.gotByAlice.length >= honest.sentByBob.length,
        30_000,
        'the honest pair has every message',
      );

      const m = await srv.metrics();
      const health = await fetch(`${srv.httpUrl}/health`);
      const endRss = srv.rss();
      peakRss = Math.max(peakRss, endRss);
      const serverErrors = byLabel(m, 'sm_errors_total');
      console.log(
        [
          `[fuzz] seed ${SEED}; ${fuzzSeconds.toFixed(1)} s wall, CPU ${cpu.server.toFixed(1)} s server + ${cpu.clients.toFixed(1)} s clients; ${WORKERS} sockets at a time, ${tally.connections} connections`,
          `[fuzz] frames sent ${tally.sent}; handled by the server ${total(m, 'sm_frames_in_total')}, of which junk ${junkHandled(m)} (${JSON.stringify(byLabel(m, 'sm_frames_in_total'))})`,
          `[fuzz] generated by kind ${JSON.stringify(tally.byKind)}`,
          `[fuzz] server errors by code ${JSON.stringify(serverErrors)}`,
          `[fuzz] error frames the attackers read ${JSON.stringify(tally.errorsSeen)}`,
          `[fuzz] rate-limited ${JSON.stringify(byLabel(m, 'sm_rate_limited_total'))}; auth failures ${total(m, 'sm_auth_failures_total')}`,
          `[fuzz] RSS before ${(baseline / MiB).toFixed(0)} MiB, peak ${(peakRss / MiB).toFixed(0)} MiB, after ${(endRss / MiB).toFixed(0)} MiB`,
          `[fuzz] honest pair: ${honest.sentByAlice.length} + ${honest.sentByBob.length} messages, received ${honest.gotByBob.length} + ${honest.gotByAlice.length}, refusals ${honest.refused.length}`,
        ].join('\n'),
      );

      expect(srv.running).toBe(true);
      expect(health.status).toBe(200);
      expect(total(m, 'sm_frames_in_total')).toBeGreaterThanOrEqual(TARGET_FRAMES);
      expect(junkHandled(m)).toBeGreaterThanOrEqual(TARGET_JUNK);
      // Every hostile frame was answered with a protocol error: none reached an internal failure.
      expect(serverErrors.INTERNAL ?? 0).toBe(0);
      for (const code of [
        'BAD_JSON',
        'BAD_FRAME',
        'UNKNOWN_TYPE',
        'BINARY_UNSUPPORTED',
        'AUTH_REQUIRED',
        'TOO_MANY_ERRORS',
        'FRAME_TOO_LARGE',
        'NO_GRANT',
        'GRANT_INVALID',
      ]) {
        expect(serverErrors[code] ?? 0, code).toBeGreaterThan(0);
      }
      // Every client frame type, well-formed, in every connection state.
      for (const state of ['pre_auth', 'pipelined', 'ready'])
        for (const type of CLIENT_TYPES) expect(tally.coverage.has(`${state}:${type}`), `${state}:${type}`).toBe(true);
      expect(peakRss - baseline).toBeLessThan(160 * MiB);
      // The honest pair: each message exactly once, on both sides, nothing refused, never cut off.
      expect([...honest.gotByBob].sort()).toEqual([...honest.sentByAlice].sort());
      expect([...honest.gotByAlice].sort()).toEqual([...honest.sentByBob].sort());
      expect(honest.refused).toEqual([]);
      expect(alice.isClosed || bob.isClosed).toBe(false);
      expect(honest.sentByAlice.length + honest.sentByBob.length).toBeGreaterThan(20);
      alice.ws.terminate();
      bob.ws.terminate();
    },
    TIME_BUDGET_MS + 90_000,
  );
});
