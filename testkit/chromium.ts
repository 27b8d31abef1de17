// Which Chromium the browser tests and web scripts drive: CHROMIUM_PATH, then the usual system
// installs, then a browser Playwright already downloaded. Never downloads one: when none is found,
// one line says what to install.
import { existsSync } from 'node:fs';

/** Where Linux packages, snaps and macOS apps put Chromium or Chrome, in the order tried. */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

export const INSTALL_HINT =
  'No Chromium found: install one (Debian/Ubuntu: apt install chromium; macOS: brew install --cask chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary, or run npx playwright install chromium';

export interface FindOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly exists?: (path: string) => boolean;
  /** Where Playwright's own Chromium would be (chromium.executablePath()); it may not be installed. */
  readonly playwrightPath?: () => string | undefined;
  readonly candidates?: readonly string[];
}

export function findChromium(opts: FindOptions = {}): string {
  const env = opts.env ?? process.env;
  const exists = opts.exists ?? existsSync;
  const set = env.CHROMIUM_PATH?.trim();
  if (set) {
    // Named explicitly: a wrong path is an error, not a reason to quietly pick another browser.
    if (!exists(set)) throw new Error(`CHROMIUM_PATH=${set} does not exist. ${INSTALL_HINT}`);
    return set;
  }
  for (const p of opts.candidates ?? SYSTEM_CHROMIUM_PATHS) if (exists(p)) return p;
  let own: string | undefined;
  try {
    own = opts.playwrightPath?.();
  } catch {
    own = undefined;
  }
  if (own && exists(own)) return own;
  throw new Error(INSTALL_HINT);
}
