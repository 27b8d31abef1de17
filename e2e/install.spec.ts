// Installability and keyboard-only use. The manifest is what the browser reads to offer "Install":
// its fields and every icon (fetched, with the type and pixel size it declares); the service worker
// must control the page and serve the start URL with no network. Then a person who uses only the
// keyboard onboards, adds a contact and sends a message, with focus visible at every step.
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import type { Messenger } from './messenger.ts';

interface Manifest {
  name?: string;
  short_name?: string;
  start_url?: string;
  display?: string;
  icons?: { src: string; sizes: string; type: string; purpose?: string }[];
}

/** Width and height from a PNG's IHDR chunk (bytes 16..23, big-endian), after checking the signature. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex'), 'PNG signature').toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('installable: manifest and icons valid, the service worker controls the page, the start URL opens offline', async ({ users }) => {
  const visitor = await users.open('Visitor');
  const page = visitor.page;
  const href = await page.locator('link[rel="manifest"]').getAttribute('href');
  expect(href).toBeTruthy();
  const res = await page.request.get(new URL(href!, page.url()).href);
  expect(res.ok()).toBe(true);
  const m = (await res.json()) as Manifest;
  expect(m.name).toBeTruthy();
  expect(m.short_name).toBeTruthy();
  expect(m.short_name!.length).toBeLessThanOrEqual(12); // what a home screen shows without cutting it
  expect(m.display).toBe('standalone');
  expect(m.start_url).toBeTruthy();
  const icons = m.icons ?? [];
  for (const size of [192, 512])
    expect(
      icons.some((i) => i.sizes.split(' ').includes(`${size}x${size}`) && (i.purpose ?? 'any').split(' ').includes('any')),
      `an "any" icon of ${size}`,
    ).toBe(true);
  expect(
    icons.some((i) => (i.purpose ?? '').split(' ').includes('maskable')),
    'a maskable icon',
  ).toBe(true);
  for (const icon of icons) {
    const r = await page.request.get(new URL(icon.src, res.url()).href);
    expect(r.ok(), icon.src).toBe(true);
    expect(r.headers()['content-type'], icon.src).toMatch(/^image\/png/);
    expect(icon.type).toBe('image/png');
    const [w, h] = icon.sizes.split('x').map(Number);
    expect(pngSize(await r.body()), icon.src).toEqual({ width: w, height: h });
  }

  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const startUrl = new URL(m.start_url!, res.url()).href;
  await visitor.context.setOffline(true);
  const offline = await visitor.context.newPage();
  await offline.goto(startUrl);
  await expect(offline.getByTestId('create-identity')).toBeVisible();
  expect(await offline.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  await offline.close();
});

/** Presses Tab until the element with this data-testid has focus; it must show a visible focus ring. */
async function tabTo(page: Page, testId: string, shift = false): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await page.evaluate((id) => document.activeElement?.getAttribute('data-testid') === id, testId)) break;
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
  }
  const focus = await page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return null;
    const s = getComputedStyle(el);
    return {
      id: el.getAttribute('data-testid'),
      visible: el.matches(':focus-visible'),
      ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
    };
  });
  expect(focus, `focus on ${testId}`).toEqual({ id: testId, visible: true, ring: true });
}

async function keyboardOnboard(m: Messenger): Promise<void> {
  const p = m.page;
  await tabTo(p, 'create-identity');
  await p.keyboard.press('Enter');
  await expect(m.byTestId('my-session-id')).toBeVisible();
  m.sessionId = (await m.byTestId('my-session-id').getAttribute('data-value')) ?? '';
  await tabTo(p, 'onboarding-name');
  await p.keyboard.type(m.name);
  await tabTo(p, 'identity-continue');
  await p.keyboard.press('Enter');
  m.phrase = (await m.byTestId('recovery-phrase').getAttribute('data-phrase')) ?? '';
  await tabTo(p, 'phrase-written');
  await p.keyboard.press('Space');
  const words = m.phrase.split(' ');
  await expect(m.byTestId('confirm-word')).toHaveCount(3);
  for (const input of await m.byTestId('confirm-word').all()) {
    await tabTo(p, 'confirm-word');
    const index = Number(await p.evaluate(() => document.activeElement?.getAttribute('data-index')));
    expect(await input.evaluate((el) => el === document.activeElement)).toBe(true);
    await p.keyboard.type(words[index]!);
    await p.keyboard.press('Tab');
  }
  await tabTo(p, 'confirm-phrase');
  await p.keyboard.press('Enter');
  await expect(m.byTestId('app-shell')).toBeVisible();
  await m.waitConnected();
}

test('keyboard only: onboarding, adding a contact and sending a message, focus always visible', async ({ users }) => {
  const bob = await users.onboard('Bob');
  const alice = await users.open('Alice');
  const p = alice.page;
  await keyboardOnboard(alice);

  await tabTo(p, 'nav-add');
  await p.keyboard.press('Enter');
  await expect(alice.byTestId('add-contact-screen')).toBeVisible();
  await tabTo(p, 'add-id-input');
  await p.keyboard.type(bob.sessionId);
  await tabTo(p, 'add-name-input');
  if ((await alice.byTestId('add-name-input').inputValue()) === '') await p.keyboard.type('Alice');
  await tabTo(p, 'add-note-input');
  await p.keyboard.type('typed, never clicked');
  await tabTo(p, 'send-invitation');
  await p.keyboard.press('Enter');
  await expect(alice.outgoing(bob.sessionId)).toBeVisible();

  await bob.accept(alice.sessionId);
  await expect(alice.outgoing(bob.sessionId)).toHaveAttribute('data-status', 'accepted');
  await alice.route('#/');
  await expect(alice.chatRow(bob.sessionId)).toBeVisible();
  await tabTo(p, 'chat-row');
  await p.keyboard.press('Enter');
  await expect(p.locator(`[data-testid="chat-view"][data-peer="${bob.sessionId}"]`)).toBeVisible();
  await tabTo(p, 'composer-input');
  await p.keyboard.type('sent with Enter');
  // Ctrl+Enter on a touch-first device, where Enter alone makes a new line.
  await p.keyboard.press((await alice.coarse()) ? 'Control+Enter' : 'Enter');
  await expect(alice.message('sent with Enter')).toHaveAttribute('data-status', /sent|delivered|read/);
  await bob.openChat(alice.sessionId);
  await expect(bob.message('sent with Enter')).toBeVisible();
});
