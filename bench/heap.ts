// What an idle authenticated connection costs the server's JS heap, by constructor:
//   npx tsx bench/heap.ts [--connections 4000] [--target server|relay] [--contacts 50] [--no-subs]
// With --contacts k each device presents k grants (lib/contacts.ts) and subscribes to their presence.
// Heap snapshots (node --heapsnapshot-signal) before and after connecting N idle devices, diffed.
// RSS per connection is printed too; the gap between the two is V8 headroom and native memory.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Grant } from '../protocol/index.ts';
import { withContacts } from './lib/contacts.ts';
import { devices } from './lib/fixtures.ts';
import { heapDiff } from './lib/heapsnapshot.ts';
import { Pool } from './lib/pool.ts';
import { Target, type TargetKind } from './lib/proc.ts';
import { splitDevices } from './scenarios/types.ts';
import { scrapeMetrics } from '../testkit/net.ts';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '4000' },
    target: { type: 'string', default: 'server' },
    contacts: { type: 'string', default: '0' },
    'no-subs': { type: 'boolean', default: false },
  },
});
const k = Number(values.contacts);
const n = Number(values.connections);
const dir = mkdtempSync(join(tmpdir(), 'bench-heap-'));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const target = await Target.start({
  kind: values.target as TargetKind,
  env: { MAX_CONNECTIONS: '1000000', LOG_LEVEL: 'error' },
  nodeArgs: ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`],
});
const pool = await Pool.start(2);

async function snapshot(): Promise<string> {
  const before = new Set(readdirSync(dir));
  target.signal('SIGUSR2');
  for (let i = 0; i < 600; i++) {
    await sleep(250);
    const f = readdirSync(dir).find((x) => !before.has(x) && x.endsWith('.heapsnapshot'));
    // The file appears before it is complete; its writer is done when the size stops changing.
    if (f) {
      const path = join(dir, f);
      for (let last = -1, size = statSync(path).size; size !== last || size === 0; last = size, size = statSync(path).size)
        await sleep(1500);
      return path;
    }
  }
  throw new Error('no heap snapshot was written');
}

/** heap total / external from the server's /metrics (KB): the RSS that is not live objects. */
async function mem(): Promise<{ total: number; used: number; external: number }> {
  const text = await scrapeMetrics(`http://127.0.0.1:${target.port}`);
  const read = (name: string): number => Number(new RegExp(`^\\w*${name} (\\d+)`, 'm').exec(text)?.[1] ?? NaN) / 1024;
  return { total: read('process_heap_total_bytes'), used: read('process_heap_used_bytes'), external: read('process_external_bytes') };
}

async function fill(group: string, devs: ReturnType<typeof devices>, grants?: Grant[][]): Promise<number> {
  const w = pool.size;
  const r = await pool.all('connect', (i) => ({
    group,
    url: target.url,
    ...(grants
      ? { devices: devs.filter((_, j) => j % w === i), grants: grants.filter((_, j) => j % w === i), presenceSubs: !values['no-subs'] }
      : splitDevices(devs, w, i)),
    signer: 'native' as const,
    ratePerSec: 0,
    window: 32,
    timeoutMs: 120_000,
    spreadSources: true,
  }));
  return r.reduce((a, x) => a + x.ready, 0);
}

try {
  const c = k > 0 ? withContacts(n, k) : undefined;
  const devs = c?.devices ?? devices(n);
  // Warm the code paths (and the JIT's code space) first, so the diff is connections, not code.
  await fill('warm', devs.slice(0, 200));
  await pool.all('close', () => ({}));
  await sleep(1000);
  const a = await snapshot();
  const rss0 = target.sample().rssKb;
  const m0 = await mem();
  const ready = await fill('idle', devs, c?.grants);
  await sleep(2000);
  const rss1 = target.sample().rssKb;
  const m1 = await mem();
  const b = await snapshot();
  // The snapshot ran a full GC: heap reserved after it is live objects plus V8's slack. RSS here also
  // holds the snapshot writer's own memory, so read RSS from the line before, taken ahead of it.
  await sleep(2000);
  const rss2 = target.sample().rssKb;
  const m2 = await mem();
  const d = heapDiff(a, b, ready);
  console.log(`${target.kind}: ${ready} idle authenticated connections`);
  console.log(`RSS ${(rss0 / 1024).toFixed(1)} → ${(rss1 / 1024).toFixed(1)} MB: ${((rss1 - rss0) / ready).toFixed(2)} KB per connection`);
  console.log(
    `after a full GC (the snapshot's; RSS inflated by the snapshot writer): RSS ${((rss2 - rss0) / ready).toFixed(2)} KB per connection, V8 heap reserved ${((m2.total - m0.total) / ready).toFixed(2)}, external ${((m2.external - m0.external) / ready).toFixed(2)}`,
  );
  const per = (a: number, b: number): string => ((b - a) / ready).toFixed(2);
  console.log(
    `main thread, per connection (KB): V8 heap reserved ${per(m0.total, m1.total)}, used (with garbage) ${per(m0.used, m1.used)}, external ${per(m0.external, m1.external)}`,
  );
  console.log(`live JS heap: ${(d.totalPerUnit / 1024).toFixed(2)} KB per connection; by constructor:`);
  for (const r of d.rows)
    console.log(`  ${r.bytesPerUnit.toFixed(0).padStart(6)} B  ${r.objectsPerUnit.toFixed(2).padStart(5)} objects  ${r.what}`);
} finally {
  await pool.stop();
  await target.stop();
  rmSync(dir, { recursive: true, force: true });
}
