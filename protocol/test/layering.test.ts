// Dependencies point downward (web → client → protocol; server → protocol), and protocol/ and
// client/ run anywhere. testkit/ (process and port helpers) is shared by the bench and the tests
// of every layer, so it imports none of them. This test is the lint rule that keeps it so.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;

function sources(dir: string, skip: RegExp): string[] {
  const out: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = join(dir, e);
    if (skip.test(relative(root, p))) continue;
    if (statSync(p).isDirectory()) out.push(...sources(p, skip));
    else if (/\.tsx?$/.test(e)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map(
    (m) => m[1] ?? m[2]!,
  );
}

const rules: Array<[string, RegExp, RegExp]> = [
  // [layer, files to skip (tests may use node:), forbidden import pattern]
  ['protocol', /(^|\/)test\//, /^node:|(^|\/)(server|client|web)\//],
  ['client', /(^|\/)test\//, /^node:|^ws$|(^|\/)(server|web)\//],
  // Tests are system tests: a server test may drive real SDK clients.
  ['server', /(^|\/)test\//, /(^|\/)(client|web)\//],
  ['web', /(^|\/)(test|scripts)\//, /^node:|(^|\/)server\//],
  // testkit/ has no tests of its own to skip.
  ['testkit', /^$/, /(^|\/)(server|client|web|bench)\//],
];

describe('layering', () => {
  for (const [layer, skip, forbidden] of rules) {
    it(`${layer}/ imports nothing above it`, () => {
      const bad: string[] = [];
      const files = sources(join(root, layer), skip);
      expect(files.length, `no sources under ${layer}/`).toBeGreaterThan(0);
      for (const f of files) {
        for (const spec of imports(f)) if (forbidden.test(spec)) bad.push(`${relative(root, f)} → ${spec}`);
      }
      expect(bad).toEqual([]);
    });
  }

  it('has no import cycles within a layer (imports that remain at run time)', () => {
    // A cycle makes a module's exports undefined while the other half of the loop evaluates, and
    // means the two files are one concern split in two. Type-only imports vanish at run time.
    const graph = new Map<string, string[]>();
    for (const layer of ['protocol', 'client', 'server', 'web', 'testkit']) {
      for (const f of sources(join(root, layer), /(^|\/)(test|scripts)\//)) {
        const text = readFileSync(f, 'utf8');
        const deps = [...text.matchAll(/^(?:import|export)\s+(?!type\s)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm)].map((m) =>
          join(f, '..', m[1]!),
        );
        graph.set(f, deps);
      }
    }
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const path: string[] = [];
    const visit = (f: string): void => {
      state.set(f, 'open');
      path.push(f);
      for (const d of graph.get(f) ?? []) {
        if (state.get(d) === 'open') cycles.push([...path.slice(path.indexOf(d)), d].map((x) => relative(root, x)).join(' → '));
        else if (!state.has(d) && graph.has(d)) visit(d);
      }
      path.pop();
      state.set(f, 'done');
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('protocol/ uses no DOM or Node globals', () => {
    const bad: string[] = [];
    for (const f of sources(join(root, 'protocol'), /(^|\/)test\//)) {
      const text = readFileSync(f, 'utf8');
      for (const g of ['window.', 'document.', 'Buffer.', 'process.', 'localStorage'])
        if (text.includes(g)) bad.push(`${relative(root, f)}: ${g}`);
    }
    expect(bad).toEqual([]);
  });
});
