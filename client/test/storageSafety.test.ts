// Where secrets may live in a browser (docs/security.md "Web hardening"): the identity, keys and
// history go through the SDK's Storage (IndexedDB in the PWA), never localStorage, sessionStorage
// or cookies, which are synchronous, string-only and readable by any script on the page without
// going through the app's code. This is the static check that keeps it so.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = new URL('../..', import.meta.url).pathname;
const WEB_STORAGE = /\b(localStorage|sessionStorage|document\.cookie)\b/;

function sources(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e);
    if (e === 'node_modules' || e === 'test') return [];
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(e) ? [p] : [];
  });
}

const users = (dir: string): string[] =>
  sources(join(root, dir))
    .filter((f) => WEB_STORAGE.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));

describe('secrets stay out of Web Storage', () => {
  it('the SDK never touches localStorage, sessionStorage or cookies', () => {
    expect(users('client')).toEqual([]);
  });

  it('the web app keeps only non-secret preferences there, in one module', () => {
    // web/src/models/prefs.ts: display name, onboarding done, notification prompt dismissed.
    for (const f of users('web/src')) expect(f).toBe('web/src/models/prefs.ts');
    for (const f of users('web/src')) {
      const keys = [...readFileSync(join(root, f), 'utf8').matchAll(/['"]sm\.(\w+)['"]/g)].map((m) => m[1]!);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k).not.toMatch(/entropy|phrase|secret|seed|key|token|identity|message|content/i);
    }
  });
});
