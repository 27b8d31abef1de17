// The order in which the browser tests look for Chromium, and the one line when there is none.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findChromium, INSTALL_HINT, SYSTEM_CHROMIUM_PATHS } from '../chromium.ts';

/** Real files in a temporary directory stand for installed browsers. */
function installed(...names: string[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'sm-chromium-'));
  return names.map((n) => {
    const p = join(dir, n);
    writeFileSync(p, '');
    return p;
  });
}

describe('findChromium', () => {
  const [a, b, own] = installed('chromium', 'chrome', 'playwright-chromium');
  const missing = join(tmpdir(), 'sm-no-such-browser');

  it('takes CHROMIUM_PATH first, and refuses a CHROMIUM_PATH that does not exist', () => {
    expect(findChromium({ env: { CHROMIUM_PATH: b }, candidates: [a!] })).toBe(b);
    expect(() => findChromium({ env: { CHROMIUM_PATH: missing }, candidates: [a!] })).toThrow(`CHROMIUM_PATH=${missing} does not exist`);
  });

  it('then the system paths in order, skipping those not installed', () => {
    expect(findChromium({ env: {}, candidates: [missing, b!, a!], playwrightPath: () => own })).toBe(b);
  });

  it("then Playwright's own browser, only when it is really there", () => {
    expect(findChromium({ env: {}, candidates: [missing], playwrightPath: () => own })).toBe(own);
    expect(() => findChromium({ env: {}, candidates: [missing], playwrightPath: () => missing })).toThrow(INSTALL_HINT);
    expect(() =>
      findChromium({
        env: {},
        candidates: [missing],
        playwrightPath: () => {
          throw new Error('not installed');
        },
      }),
    ).toThrow(INSTALL_HINT);
  });

  it('says in one line what to install', () => {
    expect(INSTALL_HINT).not.toContain('\n');
    expect(INSTALL_HINT).toMatch(/apt install chromium/);
    expect(SYSTEM_CHROMIUM_PATHS[0]).toBe('/usr/bin/chromium');
  });
});
