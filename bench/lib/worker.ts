// A load worker thread: holds groups of lean connections and runs what the main thread asks
// (see rpc.ts). Key objects for the native signer are made before any handshake is timed.
import { parentPort, workerData } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import type { Identity } from '../../protocol/index.ts';
import type { Device } from './fixtures.ts';
import { LeanConn, type FrameSink } from './conn.ts';
import type { ConnectArgs, ConnectResult, DrainArgs, DrainResult, Reply, Request, TrafficArgs, WorkerApi } from './rpc.ts';
import { nativeKey } from './signer.ts';
import { runSdk } from './sdk.ts';
import { RealChat, type RealChatArgs } from './realChat.ts';
import { Traffic } from './traffic.ts';

const workerIndex = (workerData as { index: number }).index;
const groups = new Map<string, LeanConn[]>();
const keys = new Map<string, KeyObject>();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const wallNow = (): number => performance.timeOrigin + performance.now();

function keyFor(identity: Identity): KeyObject {
  let k = keys.get(identity.sessionId);
  if (!k) keys.set(identity.sessionId, (k = nativeKey(identity)));
  return k;
}

let sourceCounter = workerIndex * 97;
function nextSource(): string {
  return `127.0.0.${2 + (sourceCounter++ % 253)}`;
}

async function connect(a: ConnectArgs): Promise<ConnectResult> {
  const conns = a.devices.map(
    (device, i) =>
      new LeanConn({
        url: a.urls ? a.urls[i % a.urls.length]! : a.url,
        device,
        grants: a.grants[i] ?? [],
        key: a.signer === 'native' ? keyFor(device.identity) : undefined,
        signer: a.signer,
        timeoutMs: a.timeoutMs,
        ...(a.spreadSources ? { localAddress: nextSource() } : {}),
      }),
  );
  const group = groups.get(a.group) ?? [];
  groups.set(a.group, group);
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  let inFlight = 0;
  const firstStartAt = wallNow();
  let lastReadyAt = firstStartAt;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const launch = (): void => {
      const now = performance.now();
      const allowed = a.ratePerSec > 0 ? Math.min(conns.length, Math.floor(((now - start) * a.ratePerSec) / 1000) + 1) : conns.length;
      while (next < allowed && inFlight < a.window) {
        const c = conns[next++]!;
        inFlight++;
        c.open().then(
          () => {
            inFlight--;
            const contacts = c.opts.grants;
            if (a.presenceSubs && contacts.length > 0)
              c.sendRaw(JSON.stringify({ type: 'presence_sub', ids: contacts.map((g) => g.from) }));
            lastReadyAt = wallNow();
            step();
          },
          (e: Error) => {
            inFlight--;
            failed++;
            if (errors.length < 5) errors.push(e.message);
            step();
          },
        );
      }
    };
    let timer: NodeJS.Timeout | null = null;
    const step = (): void => {
      if (next >= conns.length && inFlight === 0) {
        if (timer) clearInterval(timer);
        resolve();
        return;
      }
      launch();
    };
    if (a.ratePerSec > 0) timer = setInterval(launch, 1);
    step();
  });
  group.push(...conns);
  const done = conns.filter((c) => c.state === 'ready');
  return {
    ready: done.length,
    failed,
    errors,
    helloToReady: Float64Array.from(done, (c) => c.tReady - c.tHello),
    authToReady: Float64Array.from(done, (c) => c.tReady - c.tAuthSent),
    startToReady: Float64Array.from(done, (c) => c.tReady - c.tStart),
    firstStartAt,
    lastReadyAt,
  };
}

/** Ready connections of a group, in the order the main thread listed them. */
function ready(name: string): LeanConn[] {
  return (groups.get(name) ?? []).filter((c) => c.state === 'ready');
}

/** Pairs (2k, 2k+1) of a group where both ends are ready, flattened. */
function readyPairs(name: string): LeanConn[] {
  const g = groups.get(name) ?? [];
  const out: LeanConn[] = [];
  for (let k = 0; k + 1 < g.length; k += 2) if (g[k]!.state === 'ready' && g[k + 1]!.state === 'ready') out.push(g[k]!, g[k + 1]!);
  return out;
}

async function traffic(a: TrafficArgs) {
  const conns = readyPairs(a.group);
  if (conns.length < 2) throw new Error(`group ${a.group}: no pair is ready`);
  return new Traffic(a, conns, workerIndex).run();
}

function countingSink(
  onEnvelope: (id: string, now: number) => void,
  onOther: (f: { type: string; id?: string; code?: string }, now: number) => void,
): FrameSink {
  return {
    envelope: (_c, f, now) => onEnvelope(f.id, now),
    sent: (_c, f, now) => onOther(f, now),
    delivered: (_c, f, now) => onOther(f, now),
    error: (_c, f, now) => onOther(f, now),
  };
}

async function drainFill(a: DrainArgs) {
  const sender = ready(a.group)[0];
  if (!sender) throw new Error(`group ${a.group} has no sender`);
  const errors: Record<string, number> = {};
  let acked = 0;
  let sent = 0;
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (sent < a.count && sent - acked - sumErrors() < a.window) {
        sender.sendEnvelope(
          `${a.runTag}${'0'.repeat(4)}${(sent++).toString(16).padStart(20, '0')}`,
          a.receiver.identity.sessionId,
          a.ct,
          false,
        );
      }
      if (acked + sumErrors() >= a.count) resolve();
    };
    const sumErrors = (): number => Object.values(errors).reduce((x, y) => x + y, 0);
    sender.sink = countingSink(
      () => {},
      (f) => {
        if (f.type === 'sent') acked++;
        else if (f.type === 'error') errors[f.code ?? '?'] = (errors[f.code ?? '?'] ?? 0) + 1;
        pump();
      },
    );
    setTimeout(() => reject(new Error(`drain fill: ${acked}/${a.count} sent after ${a.timeoutMs} ms`)), a.timeoutMs).unref();
    pump();
  });
  return { queued: acked, fillMs: performance.now() - t0, errors };
}

async function drainTake(a: DrainArgs): Promise<DrainResult> {
  const sender = ready(a.group)[0];
  if (!sender) throw new Error(`group ${a.group} has no sender`);
  const errors: Record<string, number> = {};
  const prefix = a.runTag;
  let received = 0;
  let delivered = 0;
  let tAll = NaN;
  let tAllDelivered = NaN;
  const seen = new Uint8Array(a.count);
  sender.sink = countingSink(
    () => {},
    (f, now) => {
      if (f.type === 'delivered' && f.id?.startsWith(prefix) && ++delivered === a.count) tAllDelivered = now;
      else if (f.type === 'error') errors[f.code ?? '?'] = (errors[f.code ?? '?'] ?? 0) + 1;
    },
  );
  const rx = new LeanConn({
    url: a.url,
    device: a.receiver,
    grants: a.receiverGrants,
    key: keyFor(a.receiver.identity),
    signer: a.signer,
    timeoutMs: a.timeoutMs,
  });
  rx.sink = countingSink(
    (id, now) => {
      if (!id.startsWith(prefix)) return;
      const seq = parseInt(id.slice(12), 16);
      if (seq < a.count && !seen[seq]) {
        seen[seq] = 1;
        if (++received === a.count) tAll = now;
      }
    },
    (f) => {
      if (f.type === 'error') errors[f.code ?? '?'] = (errors[f.code ?? '?'] ?? 0) + 1;
    },
  );
  const startedAt = wallNow();
  await rx.open();
  const deadline = performance.now() + a.timeoutMs;
  while (performance.now() < deadline && (received < a.count || (a.expectDelivered && delivered < a.count))) await sleep(2);
  const endedAt = wallNow();
  groups.set('drain-receiver', [...(groups.get('drain-receiver') ?? []), rx]);
  sender.sink = rx.sink = null;
  return {
    queued: a.count,
    fillMs: NaN,
    received,
    delivered,
    connectToReadyMs: rx.tReady - rx.tStart,
    readyToAllMs: tAll - rx.tReady,
    connectToAllMs: tAll - rx.tStart,
    connectToAllDeliveredMs: a.expectDelivered ? tAllDelivered - rx.tStart : NaN,
    errors,
    startedAt,
    endedAt,
  };
}

async function close(a: { group?: string }) {
  const names = a.group ? [a.group] : [...groups.keys()];
  let closed = 0;
  for (const name of names) {
    const g = groups.get(name) ?? [];
    groups.delete(name);
    // In slices, so tens of thousands of close handshakes do not all wait on one timer tick.
    for (let i = 0; i < g.length; i += 500) {
      await Promise.all(g.slice(i, i + 500).map((c) => c.close()));
    }
    closed += g.length;
  }
  return { closed };
}

async function count(a: { group?: string }) {
  const g = a.group ? (groups.get(a.group) ?? []) : [...groups.values()].flat();
  return { ready: g.filter((c) => c.state === 'ready').length, lost: g.filter((c) => c.lostCode !== 0).length };
}

// The protocol's heartbeat: a connection silent for about hello.heartbeatMs pings (the server
// closes after 1.5×), as the SDK does; a busy connection's own frames keep it alive.
const HEARTBEAT_TICK_MS = 2000;
setInterval(() => {
  const now = performance.now();
  for (const g of groups.values())
    for (const c of g) if (c.state === 'ready' && now - c.lastSendAt > c.heartbeatMs - HEARTBEAT_TICK_MS) c.ping();
}, HEARTBEAT_TICK_MS).unref();

async function makeKeys(a: { devices: Device[] }) {
  for (const d of a.devices) keyFor(d.identity);
  return { keys: keys.size };
}

async function realChat(a: RealChatArgs) {
  const g = groups.get(a.group) ?? [];
  // Whole quadruples (A1, B1, A2, B2) whose four devices are all ready.
  const conns: LeanConn[] = [];
  for (let k = 0; k + 3 < g.length; k += 4) if (g.slice(k, k + 4).every((c) => c.state === 'ready')) conns.push(...g.slice(k, k + 4));
  if (conns.length < 4) throw new Error(`group ${a.group}: no complete pair of two-device identities`);
  return new RealChat(a, conns, workerIndex).run();
}

const api: WorkerApi = { keys: makeKeys, connect, traffic, realChat, drainFill, drainTake, sdk: runSdk, close, count };

parentPort!.on('message', (req: Request) => {
  const handler = api[req.cmd] as (args: unknown) => Promise<unknown>;
  handler(req.args).then(
    (result) => {
      const transfer = Object.values(result as object)
        .filter((v): v is Float64Array => v instanceof Float64Array)
        .map((v) => v.buffer as ArrayBuffer);
      parentPort!.postMessage({ id: req.id, ok: true, result } satisfies Reply, transfer);
    },
    (e: unknown) =>
      parentPort!.postMessage({ id: req.id, ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) } satisfies Reply),
  );
});
