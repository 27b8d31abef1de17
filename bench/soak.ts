// Soak: steady chat with connect/disconnect churn against the real server process for a long time
// (10 minutes by default), sampling the server's RSS, heap and event-loop delay, and checking at
// the end that nothing was lost. A bench scenario, not a test: it reports; it asserts nothing.
//
//   npm run soak -- --minutes 3 [--pairs 100] [--interval 2] [--churn 0.005] [--sample 10] [--out f.json]
//
// Clients speak the wire protocol directly (random bytes as ciphertext: the server cannot tell) and
// sign auth natively, so the load generator stays light next to the server on a small machine.
import { createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import {
  authMessage,
  createGrant,
  createIdentity,
  randomBytes,
  randomId,
  toBase64,
  unsignedAuthFrame,
  type Grant,
  type Identity,
  type SessionId,
} from '../protocol/index.ts';
import { Target } from './lib/proc.ts';
import { scrapeMetrics } from '../testkit/net.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    pairs: { type: 'string', default: '100' },
    /** Seconds between two messages of one client. */
    interval: { type: 'string', default: '2' },
    /** Probability per client per second of dropping off (abruptly or not) for 0.5–3 s. */
    churn: { type: 'string', default: '0.005' },
    sample: { type: 'string', default: '10' },
    out: { type: 'string' },
  },
});
const MINUTES = Number(args.minutes);
const PAIRS = Number(args.pairs);
const INTERVAL_MS = Number(args.interval) * 1000;
const CHURN = Number(args.churn);
const SAMPLE_MS = Number(args.sample) * 1000;
for (const [k, v] of Object.entries({ MINUTES, PAIRS, INTERVAL_MS, CHURN, SAMPLE_MS })) {
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${k.toLowerCase()}: expected a non-negative number`);
}

// ---- what the clients count ----------------------------------------------------------------------

const sentAt = new Map<string, number>(); // id → when first sent (until received)
const received = new Set<string>();
let accepted = 0; // `sent` from the server
let sentTotal = 0;
let duplicates = 0; // envelopes received again after a resend (de-duplicated by id)
let reconnects = 0;
const refusals: Record<string, number> = {};
let latencies: number[] = [];

function key(id: Identity): KeyObject {
  const b = (x: Uint8Array): string => Buffer.from(x).toString('base64url');
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b(id.edSecretKey), x: b(id.edPublicKey) }, format: 'jwk' });
}

class SoakClient {
  private ws: WebSocket | undefined;
  private epoch: string | undefined;
  private acked = 0;
  private toAck = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  /** Sent but not confirmed: sent again, same id, after a reconnect (at-least-once, like the SDK). */
  private readonly unconfirmed = new Map<string, string>();
  ready = false;
  private readonly deviceId = randomId();
  private readonly key: KeyObject;
  peer!: SoakClient;
  grant!: Grant;

  constructor(
    readonly identity: Identity,
    private readonly url: string,
  ) {
    this.key = key(identity);
  }

  connect(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.url);
      this.ws = ws;
      ws.on('error', () => undefined);
      ws.on('close', () => {
        if (this.ws === ws) {
          this.ready = false;
          this.ws = undefined;
        }
        resolve();
      });
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as Record<string, unknown>;
        switch (f.type) {
          case 'hello': {
            const resume = this.epoch ? { epoch: this.epoch, offset: this.acked } : undefined;
            const frame = unsignedAuthFrame({
              identity: this.identity,
              deviceId: this.deviceId,
              nonce: f.nonce as string,
              url: this.url,
              grants: [this.grant],
              resume,
            });
            const signature = toBase64(nodeSign(null, authMessage(frame, f.epoch as string), this.key));
            ws.send(JSON.stringify({ ...frame, signature }));
            return;
          }
          case 'ready':
            if (!f.resumed) this.acked = 0;
            this.epoch = f.epoch as string;
            this.ready = true;
            ws.send(JSON.stringify({ type: 'presence_sub', ids: [this.peer.identity.sessionId] }));
            for (const frame of this.unconfirmed.values()) ws.send(frame);
            resolve();
            return;
          case 'envelope': {
            if (f.ephemeral === true) return; // typing: not stored, not counted
            const id = f.id as string;
            if (received.has(id)) duplicates++;
            else {
              received.add(id);
              const t = sentAt.get(id);
              if (t !== undefined) latencies.push(Date.now() - t);
              sentAt.delete(id);
            }
            return this.ackLater(f.offset as number);
          }
          case 'delivered':
          case 'invitation':
          case 'invitation_update':
            return this.ackLater(f.offset as number);
          case 'sent':
            if (this.unconfirmed.delete(f.id as string)) accepted++;
            return;
          case 'error':
            refusals[f.code as string] = (refusals[f.code as string] ?? 0) + 1;
            return;
          default:
            return;
        }
      });
    });
  }

  private ackLater(offset: number): void {
    this.toAck = Math.max(this.toAck, offset);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      if (this.ready && this.toAck > this.acked) {
        this.ws?.send(JSON.stringify({ type: 'ack', offset: this.toAck }));
        this.acked = this.toAck;
      }
    }, 50);
  }

  say(): void {
    if (!this.ready || !this.ws) return;
    const id = randomId();
    const frame = JSON.stringify({
      type: 'send',
      id,
      to: this.peer.identity.sessionId,
      ct: toBase64(randomBytes(64 + Math.floor(Math.random() * 400))),
    });
    this.unconfirmed.set(id, frame);
    sentAt.set(id, Date.now());
    sentTotal++;
    this.ws.send(frame);
  }

  typing(): void {
    if (this.ready)
      this.ws?.send(
        JSON.stringify({ type: 'send', id: randomId(), to: this.peer.identity.sessionId, ct: toBase64(randomBytes(80)), ephemeral: true }),
      );
  }

  /** Drops off (half the time without a close frame) and comes back after `awayMs`. */
  async churn(awayMs: number): Promise<void> {
    const ws = this.ws;
    if (!ws) return;
    this.ready = false;
    if (Math.random() < 0.5) ws.terminate();
    else ws.close();
    await new Promise((r) => setTimeout(r, awayMs));
    reconnects++;
    for (let attempt = 0; attempt < 20 && !this.ready; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      await this.connect();
    }
  }

  close(): void {
    this.ws?.close();
  }
}

// ---- the run ---------------------------------------------------------------------------------------

interface Sample {
  t: number;
  rssMiB: number;
  heapUsedMiB: number;
  heapTotalMiB: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  connections: number;
  mailboxEntries: number;
  msgsPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  generatorLoopP99Ms: number;
}

async function scrape(httpUrl: string): Promise<Map<string, number>> {
  const text = await scrapeMetrics(httpUrl);
  const m = new Map<string, number>();
  for (const line of text.split('\n'))
    if (line.startsWith('sm_')) m.set(line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1)));
  return m;
}

function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Least-squares slope of y over t (per minute). */
function slopePerMinute(points: { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return (num / den) * 60_000;
}

const f1 = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : '-');

async function main(): Promise<void> {
  // One load generator means one client address: the per-address buckets are for the internet.
  const server = await Target.start({
    kind: 'server',
    env: { SEND_RATE_IP: '0', AUTH_RATE_IP: '0', PRESENCE_RATE_IP: '0', LOG_LEVEL: 'error' },
  });
  const httpUrl = server.url.replace('ws://', 'http://').replace(/\/ws$/, '');
  console.log(
    `soak: ${MINUTES} min, ${PAIRS} pairs (${PAIRS * 2} clients), a message per client every ${INTERVAL_MS / 1000} s, churn ${CHURN}/client/s; server pid ${server.pid}`,
  );

  const now = Date.now();
  const clients: SoakClient[] = [];
  for (let i = 0; i < PAIRS; i++) {
    const a = new SoakClient(createIdentity(), server.url);
    const b = new SoakClient(createIdentity(), server.url);
    a.peer = b;
    b.peer = a;
    a.grant = createGrant(b.identity, a.identity.sessionId as SessionId, now);
    b.grant = createGrant(a.identity, b.identity.sessionId as SessionId, now);
    clients.push(a, b);
  }
  for (let i = 0; i < clients.length; i += 50) await Promise.all(clients.slice(i, i + 50).map((c) => c.connect()));

  const genLoop = monitorEventLoopDelay({ resolution: 10 });
  genLoop.enable();
  const started = Date.now();
  const endAt = started + MINUTES * 60_000;
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];
  for (const c of clients) {
    const first = setTimeout(() => {
      c.say();
      timers.push(setInterval(() => (Math.random() < 0.1 ? c.typing() : c.say()), INTERVAL_MS));
    }, Math.random() * INTERVAL_MS);
    timers.push(first);
  }
  const away = new Set<SoakClient>();
  timers.push(
    setInterval(() => {
      if (stopping) return;
      for (const c of clients) {
        if (away.has(c) || Math.random() >= CHURN) continue;
        away.add(c);
        void c.churn(500 + Math.random() * 2500).then(() => away.delete(c));
      }
    }, 1000),
  );

  const samples: Sample[] = [];
  await scrape(httpUrl); // resets the event-loop window
  let lastReceived = 0;
  console.log('   t(s)  rss(MiB)  heap used/total(MiB)  loop p50/p99/max(ms)  conns  mailbox  msg/s  e2e p50/p99(ms)  gen loop p99(ms)');
  while (Date.now() < endAt) {
    await new Promise((r) => setTimeout(r, Math.min(SAMPLE_MS, endAt - Date.now())));
    const m = await scrape(httpUrl);
    const t = Date.now() - started;
    const s: Sample = {
      t,
      rssMiB: server.sample().rssKb / 1024,
      heapUsedMiB: (m.get('sm_process_heap_used_bytes') ?? NaN) / 2 ** 20,
      heapTotalMiB: (m.get('sm_process_heap_total_bytes') ?? NaN) / 2 ** 20,
      loopP50Ms: (m.get('sm_event_loop_delay_p50_seconds') ?? NaN) * 1000,
      loopP99Ms: (m.get('sm_event_loop_delay_p99_seconds') ?? NaN) * 1000,
      loopMaxMs: (m.get('sm_event_loop_delay_max_seconds') ?? NaN) * 1000,
      connections: m.get('sm_connections_active') ?? NaN,
      mailboxEntries: m.get('sm_mailbox_entries') ?? NaN,
      msgsPerSec: ((received.size - lastReceived) * 1000) / SAMPLE_MS,
      latencyP50Ms: pct(latencies, 50),
      latencyP99Ms: pct(latencies, 99),
      generatorLoopP99Ms: genLoop.percentile(99) / 1e6,
    };
    lastReceived = received.size;
    latencies = [];
    genLoop.reset();
    samples.push(s);
    console.log(
      `${String(Math.round(t / 1000)).padStart(7)}  ${f1(s.rssMiB).padStart(8)}  ${`${f1(s.heapUsedMiB)} / ${f1(s.heapTotalMiB)}`.padStart(20)}  ` +
        `${`${f1(s.loopP50Ms)} / ${f1(s.loopP99Ms)} / ${f1(s.loopMaxMs)}`.padStart(20)}  ${String(s.connections).padStart(5)}  ${String(s.mailboxEntries).padStart(7)}  ` +
        `${f1(s.msgsPerSec).padStart(5)}  ${`${f1(s.latencyP50Ms)} / ${f1(s.latencyP99Ms)}`.padStart(15)}  ${f1(s.generatorLoopP99Ms).padStart(16)}`,
    );
  }

  // Drain: no more sends or churn; everyone back; everything accepted must arrive.
  stopping = true;
  for (const t of timers) clearInterval(t);
  while (away.size > 0) await new Promise((r) => setTimeout(r, 100));
  const drainUntil = Date.now() + 30_000;
  while (sentAt.size > 0 && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 200));
  const lost = sentAt.size;
  await new Promise((r) => setTimeout(r, 500)); // the last acks
  const mailboxAfterDrain = (await scrape(httpUrl)).get('sm_mailbox_entries');

  const second = samples.filter((s) => s.t >= (samples.at(-1)?.t ?? 0) / 2);
  const summary = {
    minutes: MINUTES,
    pairs: PAIRS,
    messagesSent: sentTotal,
    acceptedByServer: accepted,
    received: received.size,
    lost,
    duplicatesDeduplicated: duplicates,
    reconnects,
    refusals,
    mailboxAfterDrain,
    rssMiB: {
      first: samples[0]?.rssMiB,
      last: samples.at(-1)?.rssMiB,
      min: Math.min(...samples.map((s) => s.rssMiB)),
      max: Math.max(...samples.map((s) => s.rssMiB)),
    },
    rssSlopeSecondHalfMiBPerMin: slopePerMinute(second.map((s) => ({ t: s.t, y: s.rssMiB }))),
    heapUsedSlopeSecondHalfMiBPerMin: slopePerMinute(second.map((s) => ({ t: s.t, y: s.heapUsedMiB }))),
    loopP99MsMax: Math.max(...samples.map((s) => s.loopP99Ms)),
    loopMaxMsMax: Math.max(...samples.map((s) => s.loopMaxMs)),
    samples,
  };
  console.log(
    `\nsent ${sentTotal}, accepted ${accepted}, received ${received.size}, lost ${lost}, duplicates (de-duplicated) ${duplicates}, reconnects ${reconnects}, refusals ${JSON.stringify(refusals)}, mailbox after drain ${mailboxAfterDrain}\n` +
      `RSS ${f1(summary.rssMiB.first ?? NaN)} → ${f1(summary.rssMiB.last ?? NaN)} MiB (min ${f1(summary.rssMiB.min)}, max ${f1(summary.rssMiB.max)}); ` +
      `slope over the second half ${summary.rssSlopeSecondHalfMiBPerMin.toFixed(2)} MiB/min RSS, ${summary.heapUsedSlopeSecondHalfMiBPerMin.toFixed(2)} MiB/min heap; ` +
      `event-loop p99 ≤ ${f1(summary.loopP99MsMax)} ms, max ${f1(summary.loopMaxMsMax)} ms`,
  );
  if (args.out) writeFileSync(args.out, JSON.stringify(summary, null, 2));
  for (const c of clients) c.close();
  await server.stop();
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
