// Summaries (median [min–max] per target, server/relay ratio, goal verdict), the stdout table and
// the JSON written to bench/results/.
import type { Metrics, MetricSpec } from '../scenarios/types.ts';
import type { TargetKind } from './proc.ts';
import { ratio, spread, type Spread } from './stats.ts';

export interface MetricSummary {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  readonly relay?: Spread;
  readonly server?: Spread;
  /** server median / relay median. */
  readonly ratio: number;
  readonly goal?: string;
  /** true = met, false = missed, undefined = no goal or nothing to judge. */
  readonly met?: boolean;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly runs: Partial<Record<TargetKind, Metrics[]>>;
  readonly summary: MetricSummary[];
  readonly profile?: Partial<Record<TargetKind, { functions: ProfileLine[]; files: ProfileLine[] }>>;
}

export interface ProfileLine {
  readonly selfPct: number;
  readonly selfMs: number;
  readonly fn: string;
  readonly where: string;
}

export function summarise(specs: readonly MetricSpec[], runs: Partial<Record<TargetKind, Metrics[]>>): MetricSummary[] {
  return specs.map((m) => {
    const relay = runs.relay ? spread(runs.relay.map((r) => r[m.key] ?? NaN)) : undefined;
    const server = runs.server ? spread(runs.server.map((r) => r[m.key] ?? NaN)) : undefined;
    const q = ratio(server?.median ?? NaN, relay?.median ?? NaN);
    let met: boolean | undefined;
    if (m.goal) {
      const v = m.goal.kind === 'max' || m.goal.kind === 'min' ? (server?.median ?? NaN) : q;
      if (Number.isFinite(v)) met = m.goal.kind === 'max' || m.goal.kind === 'ratioMax' ? v <= m.goal.value : v >= m.goal.value;
    }
    return {
      key: m.key,
      label: m.label,
      unit: m.unit,
      ...(relay ? { relay } : {}),
      ...(server ? { server } : {}),
      ratio: q,
      ...(m.goal ? { goal: m.goal.text } : {}),
      ...(met !== undefined ? { met } : {}),
    };
  });
}

function num(v: number, digits: number): string {
  if (!Number.isFinite(v)) return '–';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(s: Spread | undefined, digits: number): string {
  if (!s || s.n === 0) return '–';
  if (s.n === 1 || s.min === s.max) return num(s.median, digits);
  return `${num(s.median, digits)} [${num(s.min, digits)}–${num(s.max, digits)}]`;
}

export function table(specs: readonly MetricSpec[], r: ScenarioResult): string {
  const rows: string[][] = [['metric', 'relay', 'server', 'server/relay', 'target']];
  for (const s of r.summary) {
    const spec = specs.find((m) => m.key === s.key)!;
    const d = spec.digits ?? 2;
    const label = s.unit && s.unit !== '/s' && s.unit !== '' ? `${s.label} (${s.unit})` : s.label;
    const verdict = s.goal ? `${s.goal} ${s.met === undefined ? '?' : s.met ? 'ok' : 'MISSED'}` : '';
    rows.push([label, cell(s.relay, d), cell(s.server, d), Number.isFinite(s.ratio) ? `${num(s.ratio, 2)}×` : '–', verdict]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]): string =>
    row
      .map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function profileTable(lines: readonly ProfileLine[]): string {
  const pct = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1).padStart(5)}%` : '      ');
  return lines.map((l) => `  ${pct(l.selfPct)}  ${l.selfMs.toFixed(0).padStart(7)} ms  ${l.fn}  ${l.where}`.trimEnd()).join('\n');
}
