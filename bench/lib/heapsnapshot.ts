// Compares two V8 heap snapshots: what one more connection costs, by constructor, in live bytes.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapRow {
  readonly what: string;
  readonly bytesPerUnit: number;
  readonly objectsPerUnit: number;
}

function aggregate(path: string): { by: Map<string, { n: number; bytes: number }>; total: number } {
  const s = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const by = new Map<string, { n: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!]!;
    // Strings and code are named by their content; one bucket each says more.
    const name = type.includes('string') ? '(strings)' : type === 'code' ? '(compiled code)' : s.strings[s.nodes[i + iName]!]!.slice(0, 60);
    const key = `${type}: ${name}`;
    const e = by.get(key) ?? { n: 0, bytes: 0 };
    e.n++;
    e.bytes += s.nodes[i + iSize]!;
    by.set(key, e);
    total += s.nodes[i + iSize]!;
  }
  return { by, total };
}

/** Live heap growth from `before` to `after`, divided by `units` (connections), largest first. */
export function heapDiff(before: string, after: string, units: number, top = 20): { totalPerUnit: number; rows: HeapRow[] } {
  const a = aggregate(before);
  const b = aggregate(after);
  const rows: HeapRow[] = [];
  for (const [what, e] of b.by) {
    const o = a.by.get(what) ?? { n: 0, bytes: 0 };
    rows.push({ what, bytesPerUnit: (e.bytes - o.bytes) / units, objectsPerUnit: (e.n - o.n) / units });
  }
  rows.sort((x, y) => y.bytesPerUnit - x.bytesPerUnit);
  return { totalPerUnit: (b.total - a.total) / units, rows: rows.slice(0, top) };
}
