// npm start rebuilds the app exactly when a source is newer than the build.
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleReason } from '../buildIfStale.ts';

function tree(): { root: string; touch: (path: string, secondsAgo: number) => void } {
  const root = mkdtempSync(join(tmpdir(), 'sm-build-'));
  const touch = (path: string, secondsAgo: number): void => {
    const p = join(root, path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, 'x');
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(p, t, t);
  };
  return { root, touch };
}

describe('staleReason', () => {
  it('builds when there is no build', () => {
    const { root, touch } = tree();
    touch('web/src/app.tsx', 100);
    expect(staleReason(root)).toBe('dist/web/index.html does not exist');
  });

  it('is fresh when the build is newer than every source', () => {
    const { root, touch } = tree();
    touch('web/src/app.tsx', 100);
    touch('client/messengerClient.ts', 90);
    touch('dist/web/index.html', 10);
    expect(staleReason(root)).toBeUndefined();
  });

  it('rebuilds after a pull changed a source deep under web/, client/ or protocol/, or the vite config', () => {
    for (const changed of ['web/src/views/Chat.tsx', 'client/outbox.ts', 'protocol/frames.ts', 'vite.config.ts', 'web/index.html']) {
      const { root, touch } = tree();
      touch('web/src/app.tsx', 100);
      touch('dist/web/index.html', 50);
      touch(changed, 5);
      expect(staleReason(root)).toBe(`${changed} is newer than dist/web/index.html`);
    }
  });

  it('ignores tests and tooling scripts, which the build does not read', () => {
    const { root, touch } = tree();
    touch('web/src/app.tsx', 100);
    touch('dist/web/index.html', 50);
    touch('web/test/app.test.ts', 5);
    touch('client/test/outbox.test.ts', 5);
    touch('web/scripts/perf.ts', 5);
    expect(staleReason(root)).toBeUndefined();
  });
});
