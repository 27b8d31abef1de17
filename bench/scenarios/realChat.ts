// Realistic chat: identities with 20–50 contacts (grants held, presented at connect) and a second
// device each, exchanging real messages as the SDK sends them (lib/realChat.ts: typing on and off,
// the box, its sync copy to one's own Session ID, delivery and read receipts; ~20 frames). The unit
// is the real message: server CPU per real message, frames and bytes per real message as the
// clients saw them, latency from the scheduled send to the recipient's first device.
import type { Grant } from '../../protocol/index.ts';
import { withContacts } from '../lib/contacts.ts';
import { deviceIdFor, pairs, sampleCiphertext, type Device } from '../lib/fixtures.ts';
import type { RealChatResult } from '../lib/realChat.ts';
import { connectGroup } from './connectGroup.ts';
import { perMessage } from './pairs.ts';
import { latency, measured, sum, USAGE_METRICS, usageMetrics } from './measure.ts';
import { sleep, type Metrics, type RunContext, type Scenario, type SizeName } from './types.ts';

const SIZES: Record<SizeName, { pairs: number; rate: number; ms: number; warmupMs: number }> = {
  full: { pairs: 2500, rate: 1000, ms: 8000, warmupMs: 2000 },
  quick: { pairs: 500, rate: 300, ms: 4000, warmupMs: 1000 },
  tiny: { pairs: 4, rate: 20, ms: 500, warmupMs: 0 },
};
/** A second device's id: far from the first devices' range. */
const SECOND = 5_000_000;

/** Quadruples A1, B1, A2, B2 per pair; each device presents its partner's grant and 19–49 other contacts'. */
function fixture(n: number): { devices: Device[]; grants: Grant[][] } {
  const ps = pairs(n);
  const contacts = withContacts(2 * n, 49);
  const grantsOf = (i: number, partnerGrant: Grant): Grant[] => [
    partnerGrant,
    ...contacts.grants[i]!.filter((g) => g.from !== partnerGrant.from).slice(0, 19 + (i % 31)),
  ];
  const devices: Device[] = [];
  const grants: Grant[][] = [];
  ps.forEach((p, k) => {
    const ga = grantsOf(2 * k, p.grantForA);
    const gb = grantsOf(2 * k + 1, p.grantForB);
    devices.push(
      p.a,
      p.b,
      { identity: p.a.identity, deviceId: deviceIdFor(SECOND + 2 * k) },
      { identity: p.b.identity, deviceId: deviceIdFor(SECOND + 2 * k + 1) },
    );
    grants.push(ga, gb, ga, gb);
  });
  return { devices, grants };
}

let cts: { ct: string; smallCt: string } | undefined;
function ciphertexts() {
  // A message of ~600 characters padded as a box, and the small boxes of typing and receipts.
  return (cts ??= { ct: sampleCiphertext(600), smallCt: sampleCiphertext(16) });
}

export const realChat: Scenario = {
  name: 'real-chat',
  title: 'Realistic chat: two devices per identity, 20–50 contacts, typing, sync copies and receipts, per real message',
  metrics: [
    { key: 'sockets', label: 'connected sockets', unit: '', digits: 0 },
    { key: 'rate', label: 'real messages/s offered', unit: '/s', digits: 0 },
    { key: 'messages', label: 'real messages sent', unit: '', digits: 0 },
    { key: 'lost', label: 'not received by the first device', unit: '', digits: 0 },
    { key: 'missingCopies', label: 'sync copies missing at the second device', unit: '', digits: 0 },
    { key: 'missingReceipts', label: 'receipts missing at the sender', unit: '', digits: 0 },
    { key: 'errors', label: 'error frames', unit: '', digits: 0 },
    { key: 'framesPerMsg', label: 'frames per real message (clients, acks excluded)', unit: '', digits: 1 },
    { key: 'kbPerMsg', label: 'bytes per real message (clients, approx.)', unit: 'KB', digits: 1 },
    { key: 'deliveredPerSec', label: 'real messages received/s', unit: '/s', digits: 0 },
    { key: 'latP50', label: 'send→first device p50', unit: 'ms', digits: 2 },
    { key: 'latP99', label: 'send→first device p99', unit: 'ms', digits: 2 },
    { key: 'latP999', label: 'send→first device p99.9', unit: 'ms', digits: 2 },
    { key: 'latN', label: 'latency samples', unit: '', digits: 0 },
    { key: 'cpuMsPerMsg', label: 'server CPU per real message', unit: 'ms', digits: 3 },
    ...USAGE_METRICS,
  ],
  prepare(size) {
    fixture(SIZES[size].pairs);
    ciphertexts();
  },
  async run(ctx: RunContext) {
    const s = SIZES[ctx.size];
    const all = fixture(s.pairs);
    const w = ctx.pool.size;
    // Each pair's four devices stay in one worker, in order.
    const mine = (i: number) => {
      const idx = all.devices.map((_, k) => k).filter((k) => (k >> 2) % w === i);
      return { devices: idx.map((k) => all.devices[k]!), grants: idx.map((k) => all.grants[k]!) };
    };
    const conn = await connectGroup(ctx, 'real', mine, { window: 64, timeoutMs: 60_000 });
    try {
      const { ct, smallCt } = ciphertexts();
      const phase = (durationMs: number, warmupMs: number, tag: number) => () =>
        ctx.pool.all('realChat', () => ({
          group: 'real',
          ratePerSec: s.rate / w,
          durationMs,
          warmupMs,
          ct,
          smallCt,
          runTag: (parseInt(ctx.runTag, 16) + tag).toString(16).padStart(8, '0').slice(-8),
          settleTimeoutMs: 15_000,
        }));
      await phase(Math.min(1000, s.ms), 0, 0)(); // discarded: the connects' garbage and the JIT
      await sleep(1500);
      const { result, usage } = await measured(ctx.target, phase(s.ms, s.warmupMs, 1), { fromMs: s.warmupMs, toMs: s.ms });
      const r: RealChatResult[] = result;
      const messages = sum(r, (x) => x.messages);
      const m: Metrics = {
        sockets: conn.ready,
        rate: s.rate,
        messages,
        lost: messages - sum(r, (x) => x.received),
        missingCopies: messages - sum(r, (x) => x.copies),
        missingReceipts: 2 * messages - sum(r, (x) => x.receipts),
        duplicates: sum(r, (x) => x.duplicates),
        errors: sum(r, (x) => sum(Object.values(x.errors), (v) => v)),
        framesPerMsg: sum(r, (x) => x.framesIn + x.framesOut) / Math.max(1, messages),
        kbPerMsg: sum(r, (x) => x.bytesIn + x.bytesOut) / 1024 / Math.max(1, messages),
        deliveredPerSec: sum(r, (x) => x.receivedInWindow) / (Math.max(...r.map((x) => x.windowMs)) / 1000),
        ...latency(
          'lat',
          r.map((x) => x.latency),
        ),
        cpuMsPerMsg:
          perMessage(
            usage.windowCpuS,
            sum(r, (x) => x.receivedInWindow),
            usage.serverCpuS,
            messages,
          ) * 1000,
        ...usageMetrics(usage),
      };
      return m;
    } finally {
      await ctx.pool.all('close', () => ({ group: 'real' }));
    }
  },
};
