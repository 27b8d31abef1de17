// Fixtures shared by every e2e suite. `users.open(name)` opens a fresh browser context (the
// project's phone or desktop profile) for one person; `users.onboard(name)` also creates their
// identity and returns their Session ID; `users.friends()` is Alice and Bob as contacts. Every page's console is recorded; when a test fails,
// each page's screenshot and console log are attached to its report. `shot()` saves a named
// screenshot as an artifact (test-results/e2e/screens/<project>/<name>.png).
import { join } from 'node:path';
import {
  test as base,
  expect,
  type Browser,
  type BrowserContext,
  type BrowserContextOptions,
  type Page,
  type TestInfo,
} from '@playwright/test';
import { befriend, Messenger } from './messenger.ts';

export interface OpenOptions {
  /** Extra context options (colorScheme, offline, …) on top of the project's. */
  readonly context?: BrowserContextOptions;
  /** This device's clock runs this far ahead of the relay's (Playwright's clock, installed before the app loads). */
  readonly clockAheadMs?: number;
}

export interface Users {
  /** A new context and page at the app, not onboarded. */
  open(name: string, opts?: OpenOptions): Promise<Messenger>;
  /** A new context with a new identity, on the chat list. */
  onboard(name: string, opts?: OpenOptions): Promise<Messenger>;
  /** A new context restored from a phrase (another device of the same person). */
  restore(name: string, phrase: string, opts?: OpenOptions): Promise<Messenger>;
  /** Alice and Bob, onboarded and each other's contact (Alice asked, Bob accepted). */
  friends(): Promise<{ alice: Messenger; bob: Messenger }>;
}

interface Recorded {
  readonly name: string;
  readonly page: Page;
  readonly log: string[];
}

export async function shot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(testInfo.project.outputDir, 'screens', testInfo.project.name, `${name}.png`);
  const body = await page.screenshot({ path, fullPage: false, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { body, contentType: 'image/png' });
}

export function record(page: Page, name: string): string[] {
  const log: string[] = [];
  const t0 = Date.now();
  const stamp = () => `+${((Date.now() - t0) / 1000).toFixed(2)}s`;
  page.on('console', (m) => log.push(`${stamp()} [${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => log.push(`${stamp()} [pageerror] ${e.message}\n${e.stack ?? ''}`));
  page.on('requestfailed', (r) => log.push(`${stamp()} [requestfailed] ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('crash', () => log.push(`${stamp()} [crash] ${name}'s page crashed`));
  return log;
}

export const test = base.extend<{ users: Users }>({
  users: async ({ browser, viewport, deviceScaleFactor, isMobile, hasTouch, baseURL, colorScheme }, use, testInfo) => {
    const contexts: BrowserContext[] = [];
    const recorded: Recorded[] = [];
    const projectOptions: BrowserContextOptions = { viewport, deviceScaleFactor, isMobile, hasTouch, baseURL, colorScheme };
    const open = async (name: string, opts: OpenOptions = {}): Promise<Messenger> => {
      const context = await newContext(browser, { ...projectOptions, ...opts.context });
      contexts.push(context);
      if (opts.clockAheadMs) await context.clock.install({ time: Date.now() + opts.clockAheadMs });
      const page = await context.newPage();
      const log = record(page, name);
      recorded.push({ name, page, log });
      const m = new Messenger(name, page, context);
      await m.goto();
      return m;
    };
    const users: Users = {
      open,
      async onboard(name, opts) {
        const m = await open(name, opts);
        await m.onboard();
        return m;
      },
      async restore(name, phrase, opts) {
        const m = await open(name, opts);
        await m.restore(phrase);
        return m;
      },
      async friends() {
        const alice = await users.onboard('Alice');
        const bob = await users.onboard('Bob');
        await befriend(alice, bob);
        return { alice, bob };
      },
    };
    await use(users);
    // The app must work under the relay's strict CSP: any refusal the browser logs is a failure.
    const csp = recorded.flatMap((r) =>
      r.log.filter((l) => /Content Security Policy|Refused to (execute|apply|load|evaluate)/.test(l)).map((l) => `${r.name}: ${l}`),
    );
    if (csp.length > 0 && testInfo.status === testInfo.expectedStatus) {
      testInfo.status = 'failed';
      testInfo.errors.push({ message: `CSP violations:\n${csp.join('\n')}` });
    }
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const r of recorded) {
        await testInfo.attach(`${r.name}-console.log`, { body: r.log.join('\n') || '(no console output)', contentType: 'text/plain' });
        if (!r.page.isClosed()) {
          const body = await r.page.screenshot({ fullPage: false }).catch(() => undefined);
          if (body) await testInfo.attach(`${r.name}-failure.png`, { body, contentType: 'image/png' });
        }
      }
    }
    await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
  },
});

async function newContext(browser: Browser, options: BrowserContextOptions): Promise<BrowserContext> {
  const clean = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as BrowserContextOptions;
  return browser.newContext(clean);
}

export { expect };
