// `npm start` runs this first: the PWA is rebuilt when any of its sources is newer than the build
// (dist/web/index.html), so a `git pull` never leaves the relay serving the old app.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the build reads, relative to the repository root: directories are walked. */
export const BUILD_INPUTS: readonly string[] = [
  'web',
  'client',
  'protocol',
  'vite.config.ts',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
];
/** Inside those, what the build does not read: tests and the web's own tooling scripts. */
const IGNORED = /(^|\/)(test|scripts|node_modules)(\/|$)/;
export const BUILD_OUTPUT = 'dist/web/index.html';

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** The newest input file and its mtime, walking directories. */
export function newestInput(root: string, inputs: readonly string[] = BUILD_INPUTS): { path: string; mtimeMs: number } | undefined {
  let best: { path: string; mtimeMs: number } | undefined;
  const visit = (path: string): void => {
    if (IGNORED.test(relative(root, path))) return;
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const e of readdirSync(path)) visit(join(path, e));
    } else if (!best || st.mtimeMs > best.mtimeMs) {
      best = { path: relative(root, path), mtimeMs: st.mtimeMs };
    }
  };
  for (const i of inputs) visit(join(root, i));
  return best;
}

/** Why the build is stale ("no build", "web/src/app.tsx is newer"), or undefined when it is fresh. */
export function staleReason(root: string, inputs: readonly string[] = BUILD_INPUTS, output = BUILD_OUTPUT): string | undefined {
  const built = mtime(join(root, output));
  if (built === undefined) return `${output} does not exist`;
  const newest = newestInput(root, inputs);
  return newest && newest.mtimeMs > built ? `${newest.path} is newer than ${output}` : undefined;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('../', import.meta.url));
  const reason = staleReason(root);
  if (reason !== undefined) {
    process.stderr.write(`Building the web app: ${reason}\n`);
    const r = spawnSync('npx', ['vite', 'build'], { cwd: root, stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
}
