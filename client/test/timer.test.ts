// Timer (client/runtime.ts): an unref'd one does not keep a Node process alive (a bot with a
// re-invitation due in a week still exits when its work is done).
import { describe, expect, it } from 'vitest';
import { createRuntime, Timer } from '../runtime.ts';

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
});
