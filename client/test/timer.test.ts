// Timer (client/runtime.ts): an unref'd one does not keep a Node process alive (a bot with a
// re-invitation, a renewal or a disappearing message due in a week still exits when its work is done).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRuntime, Timer } from '../runtime.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Not a measurement: how long a child that should exit at once may hang before the test says so. */
const HANG_MS = 15_000;

/** Runs a TypeScript entry as a Node child; its exit code (null: killed for hanging) and stdout. */
function runChild(entry: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const hang = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(hang);
      resolve({ code, out, err });
    });
  });
}

function capturing() {
  const handles: NodeJS.Timeout[] = [];
  const rt = createRuntime({
    setTimeout: (fn, ms) => {
      const h = globalThis.setTimeout(fn, ms);
      handles.push(h);
      return h;
    },
  });
  return { rt, handles };
}

describe('Timer', () => {
  it('holds the process only when not asked to unref', () => {
    const { rt, handles } = capturing();
    const plain = new Timer(rt);
    const unref = new Timer(rt, { unref: true });
    plain.set(60_000, () => {});
    unref.set(60_000, () => {});
    expect(handles.map((h) => h.hasRef())).toEqual([true, false]);
    plain.clear();
    unref.clear();
  });

  it('a bot with a disappearing message pending exits when its work is done', async () => {
    const { code, out, err } = await runChild('client/test/bin/disappearingBot.ts');
    expect(code, `the child hung or failed: ${err.slice(-2000)}`).toBe(0);
    // The message's expiry was still pending as it exited: the exit proves the timer let it go.
    const left = JSON.parse(out.trim()) as { expiring: number; pending: number };
    expect(left.expiring).toBe(1);
    expect(left.pending).toBeGreaterThan(0);
  }, 30_000);
});
