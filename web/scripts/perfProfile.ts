// PERF_PROFILE=1 for `npm run perf:web`: where the blocking time of a load goes. A CPU profile of the
// page's main thread (CDP Profiler) is cut into busy stretches (consecutive non-idle samples); those
// over 50 ms are the long tasks, and each function's self and total time inside them is summed.
// Best read on an unminified build (`npx vite build --minify false`, then perf:web without --build).
import type { CDPSession } from '@playwright/test';

interface Frame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface ProfileNode {
  readonly id: number;
  readonly callFrame: Frame;
  readonly children?: readonly number[];
}
interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export async function startProfile(cdp: CDPSession): Promise<void> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
}

const label = (f: Frame) => `${f.functionName || '(anonymous)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber + 1}`;

/** Stops the profile and prints the long stretches and the functions that fill them. */
export async function reportProfile(cdp: CDPSession, title: string): Promise<void> {
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: Profile };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const idle = (id: number) => byId.get(id)?.callFrame.functionName === '(idle)';
  // Stretches of consecutive busy samples: [first index, last index, ms].
  const stretches: [number, number, number][] = [];
  let t = 0;
  let from = -1;
  let fromT = 0;
  const times = profile.timeDeltas.map((d) => (t += d / 1000));
  for (let i = 0; i <= profile.samples.length; i++) {
    const busy = i < profile.samples.length && !idle(profile.samples[i]!);
    if (busy && from < 0) [from, fromT] = [i, times[i]!];
    if (!busy && from >= 0) {
      const ms = (times[i] ?? times[i - 1]!) - fromT;
      if (ms > 50) stretches.push([from, i - 1, ms]);
      from = -1;
    }
  }
  console.log(`\n${title}: ${stretches.length} busy stretches over 50 ms`);
  for (const [a, b, ms] of stretches) {
    const self = new Map<string, number>();
    const total = new Map<string, number>();
    for (let i = a; i <= b; i++) {
      const dt = (times[i + 1] ?? times[i]!) - times[i]!;
      const leaf = byId.get(profile.samples[i]!)!;
      self.set(label(leaf.callFrame), (self.get(label(leaf.callFrame)) ?? 0) + dt);
      const seen = new Set<string>();
      for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
        const l = label(byId.get(id)!.callFrame);
        if (seen.has(l) || l.startsWith('(root)')) continue;
        seen.add(l);
        total.set(l, (total.get(l) ?? 0) + dt);
      }
    }
    const top = (m: Map<string, number>, n: number) =>
      [...m]
        .sort((x, y) => y[1] - x[1])
        .slice(0, n)
        .map(([k, v]) => `    ${v.toFixed(0).padStart(5)} ms  ${k}`)
        .join('\n');
    console.log(
      `  stretch at ${times[a]!.toFixed(0)} ms (profile time), ${ms.toFixed(0)} ms\n   self:\n${top(self, 8)}\n   total:\n${top(total, 14)}`,
    );
  }
}
