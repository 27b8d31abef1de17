// (6) Offline drain: a sender queues N envelopes for a device that is offline, then the device
// connects and takes them all (acking cumulatively). Timed from the receiver's socket creation to
// its last envelope; the server's CPU covers replay, acks and the N delivered notices to the sender.
// The relay's baseline is a plain array per offline recipient, flushed on auth.
import { pairs } from '../lib/fixtures.ts';
import { measured } from './measure.ts';
import { ciphertext } from './pairs.ts';
import type { Scenario, SizeName } from './types.ts';

const SIZES: Record<SizeName, number> = { full: 10_000, quick: 2000, tiny: 50 };

export const drain: Scenario = {
  name: 'drain',
  title: 'Offline drain: a device reconnecting to queued envelopes',
  metrics: [
    { key: 'queued', label: 'envelopes queued', unit: '', digits: 0 },
    { key: 'received', label: 'envelopes received', unit: '', digits: 0 },
    { key: 'fillMs', label: 'time to queue them (window 256)', unit: 'ms', digits: 0 },
    { key: 'connectToReadyMs', label: 'socket → ready', unit: 'ms', digits: 1 },
    { key: 'connectToAllMs', label: 'socket → last envelope', unit: 'ms', digits: 0 },
    { key: 'drainPerSec', label: 'drain rate', unit: '/s', digits: 0 },
    { key: 'connectToAllDeliveredMs', label: 'socket → last `delivered` at sender', unit: 'ms', digits: 0 },
    { key: 'cpuPer100k', label: 'server CPU per 100k drained', unit: 's', digits: 2 },
    { key: 'errors', label: 'error frames', unit: '', digits: 0 },
  ],
  prepare() {
    pairs(1);
  },
  async run(ctx) {
    const n = SIZES[ctx.size];
    const [p] = pairs(1);
    const args = {
      url: ctx.target.url,
      group: 'drain-sender',
      receiver: p!.b,
      receiverGrants: [p!.grantForB],
      signer: ctx.signer,
      count: n,
      window: 256,
      ct: ciphertext(),
      runTag: ctx.runTag,
      expectDelivered: ctx.target.kind === 'server',
      timeoutMs: 60_000,
    };
    try {
      const c = await ctx.pool.call(0, 'connect', {
        group: 'drain-sender',
        url: ctx.target.url,
        devices: [p!.a],
        grants: [[p!.grantForA]],
        signer: ctx.signer,
        ratePerSec: 0,
        window: 1,
        timeoutMs: 30_000,
        spreadSources: false,
      });
      if (c.ready !== 1) throw new Error(`drain: sender did not connect: ${c.errors.join('; ')}`);
      const fill = await ctx.pool.call(0, 'drainFill', args);
      if (Object.keys(fill.errors).length > 0) ctx.log(`  drain: refused while queueing: ${JSON.stringify(fill.errors)}`);
      // Only what the server accepted can come back.
      const { result: d, usage } = await measured(ctx.target, () => ctx.pool.call(0, 'drainTake', { ...args, count: fill.queued }));
      const errors = [fill.errors, d.errors].flatMap((e) => Object.values(e)).reduce((a, b) => a + b, 0);
      return {
        queued: fill.queued,
        received: d.received,
        fillMs: fill.fillMs,
        connectToReadyMs: d.connectToReadyMs,
        connectToAllMs: d.connectToAllMs,
        drainPerSec: d.received / (d.connectToAllMs / 1000),
        connectToAllDeliveredMs: d.connectToAllDeliveredMs,
        cpuPer100k: d.received > 0 ? (usage.serverCpuS / d.received) * 1e5 : NaN,
        errors,
      };
    } finally {
      await ctx.pool.call(0, 'close', {});
    }
  },
};
