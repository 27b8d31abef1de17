// Keeps the benchmark harness from rotting: every scenario at its tiny size against the real server
// and the bare relay, through the real CLI. Only sanity is asserted (counts add up, nothing failed,
// figures are numbers) — never a timing: timings belong to `npm run bench`, not to `npm test`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthFrame, createGrant, randomId, toBase64, randomBytes } from '../../protocol/index.ts';
import { devices } from '../lib/fixtures.ts';
import { ROOT, SERVER_NODE_FLAGS } from '../lib/proc.ts';
import type { ScenarioResult } from '../lib/report.ts';
import { authFrame, nativeKey } from '../lib/signer.ts';
import { percentile, spread } from '../lib/stats.ts';

describe('bench helpers', () => {
  it('runs the server with the node flags npm start and the systemd unit use', () => {
    const start = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
    const unit = /^ExecStart=.*$/m.exec(readFileSync(join(ROOT, 'docs/operations.md'), 'utf8'))?.[0] ?? '';
    expect(SERVER_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of SERVER_NODE_FLAGS) {
      expect(start.split(' ')).toContain(flag);
      expect(unit.split(' ')).toContain(flag);
    }
  });

  it('signs auth frames natively, byte for byte what protocol createAuthFrame makes', () => {
    const [a, b] = devices(2);
    const grants = [createGrant(b!.identity, a!.identity.sessionId, Date.now())];
    for (let i = 0; i < 5; i++) {
      const nonce = toBase64(randomBytes(32));
      const deviceId = randomId();
      const hello = { nonce, epoch: 'e1', url: 'ws://127.0.0.1:8080/ws' };
      const expected = createAuthFrame({ identity: a!.identity, deviceId, ...hello, grants });
      expect(authFrame({ identity: a!.identity, deviceId, ...hello, grants, key: nativeKey(a!.identity) }, 'native')).toEqual(expected);
    }
  });

  it('computes nearest-rank percentiles and median spreads', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(500);
    expect(percentile(sorted, 99)).toBe(990);
    expect(percentile(sorted, 99.9)).toBe(999);
    expect(percentile(new Float64Array(0), 50)).toBeNaN();
    expect(spread([3, NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([4, 1, 3, 2]).median).toBe(2.5);
  });
});

describe('npm run bench -- --tiny', () => {
  let out: string;
  let results: ScenarioResult[];
  let stdout = '';

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--tiny', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stdout += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`bench exited with ${code}:\n${stdout}`);
    results = (JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8')) as { scenarios: ScenarioResult[] }).scenarios;
  }, 300_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  const run = (scenario: string, target: 'relay' | 'server'): Record<string, number> => {
    const r = results.find((s) => s.name === scenario);
    expect(r, `scenario ${scenario} in results`).toBeDefined();
    const m = r!.runs[target]?.[0];
    expect(m, `${scenario} has a ${target} run`).toBeDefined();
    return m!;
  };

  it('prints a table per scenario', () => {
    for (const name of [
      'connect',
      'storm',
      'chat',
      'throughput',
      'capacity',
      'cluster',
      'idle-contacts',
      'real-chat',
      'typing',
      'drain',
      'sdk',
      'idle',
    ])
      expect(stdout).toContain(`== ${name}:`);
  });

  for (const target of ['relay', 'server'] as const) {
    it(`connect storm: every device reaches ready (${target})`, () => {
      const m = run('connect', target);
      expect(m.stormConns).toBe(20);
      expect(m.stormFailed).toBe(0);
      expect(m.pacedConns).toBeGreaterThan(0);
      expect(m.authsPerSec).toBeGreaterThan(0);
      // Percentiles come with their sample count; a tail without 10 samples beyond it is not reported.
      expect(m.pacedHelloN).toBe(m.pacedConns);
      expect(Number.isFinite(m.pacedHelloP50)).toBe(true);
      expect(Number.isFinite(m.pacedHelloP99)).toBe(m.pacedHelloN! >= 1000);
    });

    for (const scenario of ['chat', 'throughput'] as const) {
      it(`${scenario}: everything sent is received and acknowledged (${target})`, () => {
        const m = run(scenario, target);
        expect(m.sent).toBeGreaterThan(0);
        expect(m.received).toBe(m.sent);
        expect(m.sentAcked).toBe(m.sent);
        expect(m.deliveredNotices).toBe(target === 'server' ? m.sent : 0);
        if (scenario === 'chat') expect([m.lightSent, m.lightLost]).toEqual([expect.any(Number), 0]);
        expect([m.errors, m.duplicates, m.droppedSockets]).toEqual([0, 0, 0]);
        // Tiny runs time every message (no warm-up window), so every receipt is a sample.
        expect(m.latN).toBe(m.received);
        expect(Number.isFinite(m.latP50)).toBe(true);
        expect(Number.isFinite(m.latP99)).toBe(m.latN! >= 1000);
        expect(Number.isFinite(m.cpuPer100k)).toBe(true);
      });
    }

    it(`capacity: the closed loop, then 25/50/75 % of its rate, lose nothing (${target})`, () => {
      const m = run('capacity', target);
      expect(m.closedSent).toBeGreaterThan(0);
      expect(m.rate25).toBeCloseTo(m.closedDeliveredPerSec! * 0.25, -1);
      for (const p of ['closed', 'at25', 'at50', 'at75']) {
        expect(m[`${p}Sent`], p).toBeGreaterThan(0);
        expect([m[`${p}Lost`], m[`${p}Errors`], m[`${p}Duplicates`]], p).toEqual([0, 0, 0]);
        expect(m[`${p}LatN`], p).toBe(m[`${p}Received`]);
      }
    });

    it(`storm: every device with contacts reaches ready; main-thread CPU is read (${target})`, () => {
      const m = run('storm', target);
      expect([m.conns, m.failed, m.contacts]).toEqual([20, 0, 5]);
      // The main thread is part of the process, but the two are read from /proc in 10 ms ticks at
      // slightly different instants: at this size one tick each way is 0.5 ms per connection.
      const tickPerConn = 10 / m.conns!;
      expect(m.mainCpuMsPerConn).toBeGreaterThanOrEqual(0);
      expect(m.mainCpuMsPerConn).toBeLessThanOrEqual(m.cpuMsPerConn! + 2 * tickPerConn);
    });

    it(`real-chat: two-device identities exchange real messages, copies and receipts, nothing missing (${target})`, () => {
      const m = run('real-chat', target);
      expect(m.sockets).toBe(16);
      expect(m.messages).toBeGreaterThan(0);
      expect([m.lost, m.missingCopies, m.missingReceipts, m.errors, m.duplicates]).toEqual([0, 0, 0, 0, 0]);
      expect(m.latN).toBe(m.messages);
    });

    it(`idle-contacts: every socket with grants and subscriptions stays (${target})`, () => {
      const m = run('idle-contacts', target);
      expect([m.connections, m.failed]).toEqual([20, 0]);
    });

    it(`typing: every ephemeral envelope arrives (${target})`, () => {
      const m = run('typing', target);
      expect(m.sent).toBeGreaterThan(0);
      expect(m.received).toBe(m.sent);
      expect(m.errors).toBe(0);
    });

    it(`drain: the reconnecting device gets every queued envelope (${target})`, () => {
      const m = run('drain', target);
      expect(m.queued).toBe(50);
      expect(m.received).toBe(50);
      expect(m.errors).toBe(0);
      expect(Number.isFinite(m.connectToAllMs)).toBe(true);
    });

    it(`sdk: MessengerClient pairs exchange every message (${target})`, () => {
      const m = run('sdk', target);
      expect(m.clients).toBe(4);
      expect(m.sent).toBeGreaterThan(0);
      expect([m.lost, m.failed]).toEqual([0, 0]);
      expect(Number.isFinite(m.latP50)).toBe(true);
      if (target === 'server') expect(Number.isFinite(m.deliveredP50)).toBe(true);
    });

    it(`idle: all devices stay connected and RSS is read (${target})`, () => {
      const m = run('idle', target);
      expect(m.connections).toBe(20);
      expect(m.failed).toBe(0);
      expect(m.rssMb).toBeGreaterThan(0);
    });
  }

  it('cluster: two instances over a private Redis lose nothing, alone and across', () => {
    const m = run('cluster', 'server');
    for (const p of ['single', 'cross']) {
      expect(m[`${p}Sent`], p).toBeGreaterThan(0);
      expect([m[`${p}Lost`], m[`${p}Errors`], m[`${p}Duplicates`]], p).toEqual([0, 0, 0]);
      expect(Number.isFinite(m[`${p}RedisCpuPer100k`]), p).toBe(true);
    }
  });

  it('summarises runs as median [min–max] with the server/relay ratio', () => {
    for (const s of results) {
      expect(s.summary.length).toBeGreaterThan(0);
      for (const row of s.summary) {
        // JSON has no NaN: a figure a run could not measure is null.
        const relay = row.relay?.median ?? null;
        const server = row.server?.median ?? null;
        if (relay !== null && server !== null && relay !== 0) expect(row.ratio).toBeCloseTo(server / relay, 9);
        else expect(row.ratio).toBeNull();
      }
    }
    const rate = results.find((s) => s.name === 'chat')!.summary.find((r) => r.key === 'deliveredPerSec')!;
    expect(rate.relay?.n).toBe(1);
    expect(rate.server?.n).toBe(1);
  });
});
