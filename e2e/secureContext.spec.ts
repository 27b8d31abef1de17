// Opened by a name other than localhost over plain http (a phone on the LAN), the page has no
// secure context: the app says what that costs, once, until dismissed. The relay is reached as
// http://lan-host.test here (Chromium maps the name to 127.0.0.1), so the browser treats it as
// any other LAN address.
import { chromium } from '@playwright/test';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { findChromium } from '../testkit/chromium.ts';
import { expect, test } from './fixtures.ts';

test('without a secure context a banner says what is lost, and stays dismissed', async ({ baseURL, isMobile, hasTouch, viewport }) => {
  const port = new URL(baseURL!).port;
  const browser = await chromium.launch({
    executablePath: findChromium({ playwrightPath: () => chromium.executablePath() }),
    args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP lan-host.test 127.0.0.1'],
  });
  try {
    const context = await browser.newContext({ isMobile, hasTouch, viewport });
    const page = await context.newPage();
    await page.goto(`http://lan-host.test:${port}/`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(false);
    const banner = page.getByTestId('insecure-banner');
    await expect(banner).toBeVisible();
    for (const lost of ['offline', 'install', 'copy', 'notifications']) await expect(banner).toContainText(lost);
    await page.getByTestId('insecure-dismiss').click();
    await expect(banner).toHaveCount(0);
    await page.reload();
    await expect(page.getByTestId('create-identity')).toBeVisible();
    await expect(banner).toHaveCount(0);

    // The same relay on 127.0.0.1 is a secure context: no banner.
    const local = await context.newPage();
    await local.goto(`${baseURL}/`);
    await expect(local.getByTestId('create-identity')).toBeVisible();
    await expect(local.getByTestId('insecure-banner')).toHaveCount(0);
  } finally {
    await browser.close();
  }
});
