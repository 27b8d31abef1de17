// npm run bench [-- --scenario chat,drain] [--quick] [--runs 3] [--profile] …
// Starts the bare relay and the server as child processes for each scenario, runs them A/B
// interleaved (relay, server, relay, server, …), prints a table per scenario and writes
// bench/results/<timestamp>.json and bench/results/latest.json. See docs/performance.md.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from './lib/pool.ts';
import { mainProfile, selfByFile, topSelf } from './lib/profile.ts';
import { fdLimit, ROOT, SERVER_ENV, Target, type TargetKind } from './lib/proc.ts';
import { profileTable, summarise, table, type ScenarioResult } from './lib/report.ts';
import type { SignerKind } from './lib/signer.ts';
import { SCENARIOS } from './scenarios/index.ts';
import type { Metrics, SizeName } from './scenarios/types.ts';

const HELP = `usage: npm run bench -- [options]
  --scenario a,b   ${SCENARIOS.map((s) => s.name).join(', ')} (default: all for the size)
  --quick          small sizes (2–3 minutes); --tiny: smallest (the smoke test)
  --runs N         repetitions per target, interleaved (default 3; quick 2; tiny 1)
  --targets t,t    relay,server (default both)
  --workers N      load-generating worker threads (default 2)
  --signer s       native (default) | noble: how the bench signs auth (see bench/lib/signer.ts)
  --profile        run both targets under --cpu-prof; top functions are printed and saved
  --env K=V        extra environment for the server (repeatable)
  --out DIR        write results there instead of bench/results/`;

function options() {
  const { values } = parseArgs({
    options: {
      scenario: { type: 'string' },
      quick: { type: 'boolean', default: false },
      tiny: { type: 'boolean', default: false },
      runs: { type: 'string' },
      targets: { type: 'string', default: 'relay,server' },
      workers: { type: 'string', default: '2' },
      signer: { type: 'string', default: 'native' },
      profile: { type: 'boolean', default: false },
      env: { type: 'string', multiple: true, default: [] },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const size: SizeName = values.tiny ? 'tiny' : values.quick ? 'quick' : 'full';
  const names = values.scenario ? values.scenario.split(',').map((s) => s.trim()) : undefined;
  for (const n of names ?? []) if (!SCENARIOS.some((s) => s.name === n)) throw new Error(`unknown scenario ${n}\n${HELP}`);
  const scenarios = SCENARIOS.filter((s) => (names ? names.includes(s.name) : !s.sizes || s.sizes.includes(size)));
  const targets = values.targets.split(',').map((t) => t.trim()) as TargetKind[];
  for (const t of targets) if (t !== 'relay' && t !== 'server') throw new Error(`unknown target ${t}`);
  if (values.signer !== 'native' && values.signer !== 'noble') throw new Error(`--signer: native or noble, not ${values.signer}`);
  const env: Record<string, string> = { ...SERVER_ENV };
  for (const kv of values.env) {
    const i = kv.indexOf('=');
    if (i < 1) throw new Error(`--env expects KEY=VALUE, got ${kv}`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return {
    size,
    scenarios,
    targets,
    runs: Math.max(1, Number(values.runs ?? (size === 'full' ? 3 : size === 'quick' ? 2 : 1))),
    workers: Math.max(1, Number(values.workers)),
    signer: values.signer as SignerKind,
    profile: values.profile,
    env,
    outDir: values.out ?? join(ROOT, 'bench/results'),
  };
}

function git(args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? '?',
    memGb: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    fdLimit: fdLimit(),
    note: 'client (bench workers) and server share these cores',
  };
}

async function main(): Promise<void> {
  const o = options();
  const stamp = new Date().toISOString().replace(/\..*/, '').replace(/:/g, '-') + 'Z';
  const profileDir = o.profile ? join(o.outDir, 'profiles', stamp) : undefined;
  const log = (line: string): void => console.log(line);
  log(
    `bench: ${o.scenarios.map((s) => s.name).join(', ')} · size ${o.size} · ${o.runs} run(s) · targets ${o.targets.join('/')} · ${o.workers} workers · signer ${o.signer}`,
  );

  const t0 = performance.now();
  for (const s of o.scenarios) s.prepare(o.size);
  log(`fixtures ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const pool = await Pool.start(o.workers);
  const results: ScenarioResult[] = [];
  // A fresh pair of processes per scenario keeps RSS and profiles per scenario; the tiny smoke
  // run shares one pair, since starting a TypeScript process takes seconds on a busy machine.
  const fresh = o.size !== 'tiny' || profileDir !== undefined;
  let targets: Map<TargetKind, Target> | undefined;
  // A free port can be taken by another process between the probe and the bind (a shared
  // machine): a start that fails is tried again on a new port.
  const startTarget = async (kind: TargetKind, scenario: string, run?: number): Promise<Target> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Target.start({
          kind,
          env: kind === 'server' ? o.env : {},
          ...(profileDir
            ? { profileDir: join(profileDir, run === undefined ? `${scenario}-${kind}` : `${scenario}-${kind}-run${run + 1}`) }
            : {}),
        });
      } catch (err) {
        if (attempt >= 3) throw err;
        log(`  ${kind} did not start (attempt ${attempt}), retrying: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
      }
    }
  };
  const startTargets = async (scenario: string): Promise<Map<TargetKind, Target>> => {
    const started = await Promise.all(o.targets.map((kind) => startTarget(kind, scenario)));
    return new Map(started.map((t) => [t.kind, t]));
  };
  const stopped = (t: Target, code: number | null): void => {
    if (code !== 0 && code !== null) log(`  ${t.kind} exited with ${code}:\n${t.log()}`);
  };
  const stopTargets = async (): Promise<void> => {
    const ts = [...(targets?.values() ?? [])];
    targets = undefined;
    const codes = await Promise.all(ts.map((t) => t.stop()));
    codes.forEach((code, i) => {
      stopped(ts[i]!, code);
    });
  };
  const failures: { scenario: string; error: string }[] = [];
  const doc = () => ({
    date: new Date().toISOString(),
    commit: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'server', 'protocol', 'bench']) !== '',
    machine: machine(),
    options: { size: o.size, runs: o.runs, workers: o.workers, signer: o.signer, targets: o.targets, serverEnv: o.env, profile: o.profile },
    scenarios: results,
    failures,
  });
  // Written after every scenario: a long run that fails late keeps what it measured.
  const save = (): void => {
    mkdirSync(o.outDir, { recursive: true });
    const text = JSON.stringify(doc(), null, 1);
    writeFileSync(join(o.outDir, `${stamp}.json`), text);
    writeFileSync(join(o.outDir, 'latest.json'), text);
  };
  try {
    for (const s of o.scenarios) {
      const runsFor = Math.min(o.runs, s.maxRuns ?? Infinity);
      const runs: Partial<Record<TargetKind, Metrics[]>> = {};
      try {
        try {
          targets ??= await startTargets(s.name);
          const ctx = (kind: TargetKind, size: SizeName) => ({
            target: targets!.get(kind)!,
            pool,
            size,
            signer: o.signer,
            runTag: randomBytes(4).toString('hex'),
            log,
          });
          const warm = async (kind: TargetKind): Promise<void> => {
            if (s.warmup) await s.warmup(ctx(kind, o.size));
            else if (o.size !== 'tiny') await s.run(ctx(kind, 'tiny'));
          };
          for (const kind of o.targets) await warm(kind);
          for (let r = 0; r < runsFor; r++) {
            for (const kind of o.targets) {
              if (s.freshProcessPerRun && fresh && r > 0) {
                const old = targets.get(kind)!;
                stopped(old, await old.stop());
                targets.set(kind, await startTarget(kind, s.name, r));
                await warm(kind);
              }
              const tr = performance.now();
              (runs[kind] ??= []).push(await s.run(ctx(kind, o.size)));
              log(`  ${s.name} run ${r + 1}/${runsFor} ${kind.padEnd(6)} ${((performance.now() - tr) / 1000).toFixed(1)} s`);
            }
          }
        } finally {
          if (fresh) await stopTargets();
        }
      } catch (err) {
        // One scenario's failure (a target that died, a port taken by another process) must not
        // cost the runs of the others: report it, start the next scenario on new processes.
        const error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`\n== ${s.name}: FAILED, continuing with the next scenario\n${error}\n`);
        failures.push({ scenario: s.name, error });
        await stopTargets().catch(() => undefined);
        if (!Object.values(runs).some((r) => r && r.length > 0)) {
          save();
          continue;
        }
      }
      const profile: NonNullable<ScenarioResult['profile']> = {};
      for (const kind of profileDir ? o.targets : []) {
        const main = mainProfile(join(profileDir!, `${s.name}-${kind}`));
        if (main) profile[kind] = { functions: topSelf(main, 30), files: selfByFile(main) };
      }
      const result: ScenarioResult = {
        name: s.name,
        title: s.title,
        runs,
        summary: summarise(s.metrics, runs),
        ...(profileDir ? { profile } : {}),
      };
      results.push(result);
      save();
      log(`\n== ${s.name}: ${s.title} · ${runsFor} run(s), median [min–max]\n${table(s.metrics, result)}\n`);
      for (const [kind, p] of Object.entries(profile)) {
        log(
          `${kind} profile (whole process life), self time by function:\n${profileTable([...p.functions.slice(0, 15), p.functions.at(-1)!])}`,
        );
        log(`${kind} profile, self time by file:\n${profileTable(p.files.slice(0, 10))}\n`);
      }
    }
  } finally {
    await stopTargets();
    await pool.stop();
  }

  save();
  log(`results: ${join(o.outDir, `${stamp}.json`)} (and latest.json) · ${((performance.now() - t0) / 1000).toFixed(0)} s in all`);
  if (failures.length > 0) {
    log(`FAILED scenarios: ${failures.map((f) => f.scenario).join(', ')}`);
    process.exitCode = 1;
  }
}

// exit() runs the 'exit' handlers that stop the child processes.
process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
