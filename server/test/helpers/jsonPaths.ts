// Walking and changing parsed JSON by path: the fuzzer mutates one field of a valid frame at a time.

export function clone(v: unknown): unknown {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

type Path = readonly (string | number)[];

export function fieldPaths(v: unknown, prefix: Path = [], out: Path[] = []): Path[] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(v)) for (const [i, x] of v.entries()) fieldPaths(x, [...prefix, i], out);
  else if (v !== null && typeof v === 'object')
    for (const k of Object.keys(v)) fieldPaths((v as Record<string, unknown>)[k], [...prefix, k], out);
  return out;
}

export function setAt(root: Record<string, unknown>, path: Path, value: unknown): void {
  let o: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) o = o[path[i]!] as Record<string | number, unknown>;
  o[path.at(-1)!] = value;
}
