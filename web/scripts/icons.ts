// Renders the app icons (web/public/icons/*.png) from web/public/favicon.svg with the system
// Chromium. Run after changing the logo: `npx tsx web/scripts/icons.ts`. The PNGs are committed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { findChromium } from '../../testkit/chromium.ts';

const dir = fileURLToPath(new URL('../public', import.meta.url));
const svg = readFileSync(`${dir}favicon.svg`, 'utf8');
// The maskable icon fills the whole square and keeps the mark inside the 80% safe circle.
const maskable = svg
  .replace('viewBox="0 0 512 512"', 'viewBox="-64 -64 640 640"')
  .replace(/<rect [^>]*\/>/, '<rect x="-64" y="-64" width="640" height="640" fill="url(#g)"/>');
// Apple touch icons are square; iOS rounds the corners itself.
const square = svg.replace(/rx="116"/, '');

const targets: readonly [string, string, number, boolean][] = [
  ['icons/icon-192.png', svg, 192, true],
  ['icons/icon-512.png', svg, 512, true],
  ['icons/maskable-512.png', maskable, 512, false],
  ['icons/apple-touch-icon.png', square, 180, false],
];

const browser = await chromium.launch({
  executablePath: findChromium({ playwrightPath: () => chromium.executablePath() }),
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage();
  for (const [file, source, size, transparent] of targets) {
    await page.setViewportSize({ width: size, height: size });
    await page.setContent(
      `<!doctype html><html><body style="margin:0;background:transparent">${source.replace('<svg ', `<svg width="${size}" height="${size}" `)}</body></html>`,
    );
    await page.locator('svg').screenshot({ path: `${dir}${file}`, omitBackground: transparent });
    console.log(`wrote web/public/${file} (${size}×${size})`);
  }
} finally {
  await browser.close();
}
