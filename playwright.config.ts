// End-to-end: the real relay (server/src/main.ts) serving the built PWA (dist/web, from
// `npx vite build`, which this config does not run), a real Chromium already on the machine
// (testkit/chromium.ts; never a downloaded one), two or more browser contexts per test. Each test
// runs on a phone and on a desktop.
import { chromium, defineConfig } from '@playwright/test';
import { findChromium } from './testkit/chromium.ts';

function chromiumPath(): string {
  try {
    return findChromium({ playwrightPath: () => chromium.executablePath() });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  }
}

const PORT = Number(process.env.E2E_PORT ?? 8790);
export const BASE_URL = `http://127.0.0.1:${PORT}`;

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results/e2e',
  globalSetup: './e2e/globalSetup.ts',
  timeout: 180_000,
  expect: { timeout: 15_000 },
  // One relay, shared: tests make their own identities, so they never see each other's data.
  workers: 1,
  fullyParallel: false,
  forbidOnly: Boolean(process.env.CI),
  retries: 0,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: BASE_URL,
    browserName: 'chromium',
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
    screenshot: 'only-on-failure',
    trace: process.env.E2E_TRACE ? 'on' : 'retain-on-failure',
    serviceWorkers: 'allow',
  },
  projects: [
    { name: 'phone', use: { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true } },
    { name: 'desktop', use: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 } },
  ],
  webServer: {
    command: 'npx tsx server/src/main.ts',
    url: `${BASE_URL}/health`,
    // A short presence debounce and heartbeat so "offline" is seen within an expect timeout.
    // VAPID_KEY_FILE: push on, its generated keys kept out of the tree.
    env: {
      PORT: String(PORT),
      HOST: '127.0.0.1',
      STATIC_DIR: 'dist/web',
      LOG_LEVEL: 'warn',
      PRESENCE_DEBOUNCE: '1s',
      HEARTBEAT_INTERVAL: '5s',
      VAPID_KEY_FILE: 'test-results/vapid.json',
    },
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'pipe',
    stderr: 'pipe',
  },
});
