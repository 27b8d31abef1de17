// Reads a V8 .cpuprofile (node --cpu-prof) and lists where the time went, by self time per
// function, so a profile excerpt can go into docs/performance.md without a flame-graph viewer.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './proc.ts';
import type { ProfileLine } from './report.ts';

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number; children?: number[] }[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function where(url: string, line: number): string {
  if (!url) return '';
  const path = url.startsWith('file://') ? relative(ROOT, new URL(url).pathname) : url;
  return `${path}:${line + 1}`;
}

/**
 * Nodes under module loading (Node's loaders, tsx, esbuild): start-up, not the load being
 * measured. They are reported as one line rather than mixed into the hot paths.
 */
function loadingNodes(p: CpuProfile): Set<number> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const isLoader = (url: string): boolean =>
    url.startsWith('node:internal/modules/') || url.includes('/node_modules/tsx/') || url.includes('/node_modules/esbuild/');
  const memo = new Map<number, boolean>();
  const under = (id: number): boolean => {
    const known = memo.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const v = !!node && (isLoader(node.callFrame.url) || (up !== undefined && under(up)));
    memo.set(id, v);
    return v;
  };
  return new Set(p.nodes.filter((n) => under(n.id)).map((n) => n.id));
}

/**
 * The main thread's profile in a --cpu-prof directory. Files are named
 * CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile; the main thread's id is 0.
 */
export function mainProfile(dir: string): string | undefined {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = files.find((f) => f.split('.')[4] === '0');
  return main === undefined ? undefined : join(dir, main);
}

/** Top `n` functions by self time; idle and GC are listed under their V8 names. */
export function topSelf(path: string, n = 20): ProfileLine[] {
  return aggregate(path, n, (fn, where) => ({ key: `${fn}@${where}`, fn, where }));
}

/** Self time per source file (node internals, noble, server/src/…), for "where does the time go". */
export function selfByFile(path: string, n = 15): ProfileLine[] {
  return aggregate(path, n, (fn, where) => {
    const file = where.replace(/:\d+$/, '') || fn;
    return { key: file, fn: file, where: '' };
  });
}

function aggregate(
  path: string,
  n: number,
  keyOf: (fn: string, where: string) => { key: string; fn: string; where: string },
): ProfileLine[] {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const selfUs = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  // Each sample's delta is the time until the next sample: attribute it to the node sampled.
  for (let i = 0; i < samples.length; i++) selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + (deltas[i + 1] ?? 0));
  const loading = loadingNodes(p);
  const byFn = new Map<string, { us: number; fn: string; where: string }>();
  let total = 0;
  let startupUs = 0;
  for (const node of p.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    const name = node.callFrame.functionName || '(anonymous)';
    if (name === '(idle)') continue;
    if (loading.has(node.id)) {
      startupUs += us;
      continue;
    }
    total += us;
    const k = keyOf(name, where(node.callFrame.url, node.callFrame.lineNumber));
    const e = byFn.get(k.key) ?? { us: 0, fn: k.fn, where: k.where };
    e.us += us;
    byFn.set(k.key, e);
  }
  // Percentages are of the time spent outside start-up, which is listed last, unranked.
  const startup = { us: startupUs, fn: '(start-up module loading: not in the percentages)', where: '' };
  return [...[...byFn.values()].sort((a, b) => b.us - a.us).slice(0, n), startup].map((e) => ({
    selfPct: e === startup || total === 0 ? NaN : (100 * e.us) / total,
    selfMs: e.us / 1000,
    fn: e.fn,
    where: e.where,
  }));
}
