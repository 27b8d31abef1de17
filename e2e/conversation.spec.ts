// Conversation features in real Chromium, two people on one relay: the message menu (right-click on
// desktop, long-press on the phone) for reply, react, edit and delete for everyone; search that finds
// an old message; disappearing messages gone on both sides once their timer ran (the pages' clocks
// are Playwright's, moved forward: no waiting).
import { writeFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { encode } from 'uqr';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { checkA11y } from './a11y.ts';
import { expect, shot, test } from './fixtures.ts';
import { befriend, Messenger } from './messenger.ts';
import { chatting, openMenu, say } from './messageActions.ts';

test('reply, react, edit and delete for everyone through the message menu; search finds an old message', async ({ users }, testInfo) => {
  const phone = testInfo.project.name === 'phone';
  const { alice, bob } = await chatting(users);

  await say(alice, 'An old note about Penguins, see https://example.com/penguins');
  await expect(bob.message('An old note about Penguins, see https://example.com/penguins')).toBeVisible();
  // Links are real links, safely opened.
  const link = bob.message('An old note about Penguins, see https://example.com/penguins').getByTestId('message-link');
  await expect(link).toHaveAttribute('href', 'https://example.com/penguins');
  await expect(link).toHaveAttribute('rel', 'noopener noreferrer');
  await expect(link).toHaveAttribute('target', '_blank');
  for (let i = 1; i <= 3; i++) await say(alice, `filler ${i}`);
  await say(alice, 'Dinner at 8?');
  const dinner = bob.message('Dinner at 8?');
  await expect(dinner).toBeVisible();

  // Reply: the composer shows what it answers; both bubbles show the quote.
  await openMenu(bob, dinner, phone);
  await bob.byTestId('menu-reply').click();
  await expect(bob.byTestId('reply-preview')).toContainText('Dinner at 8?');
  await say(bob, 'Sounds good');
  await expect(bob.byTestId('reply-preview')).toHaveCount(0);
  await expect(alice.message('Sounds good').getByTestId('message-quote')).toHaveText('Dinner at 8?');
  await expect(bob.message('Sounds good').getByTestId('message-quote')).toHaveText('Dinner at 8?');

  // React: a chip on both sides; one per person per emoji.
  await openMenu(bob, dinner, phone);
  await checkA11y(bob.page, testInfo, 'message-menu');
  await bob.page.locator('[data-testid="react-option"][data-emoji="👍"]').click();
  await expect(alice.message('Dinner at 8?').getByTestId('reaction')).toHaveAttribute('data-emoji', '👍');
  await expect(alice.message('Dinner at 8?').getByTestId('reaction')).toHaveAttribute('data-count', '1');
  await shot(alice.page, testInfo, 'conv-01-reply-react');

  // Edit: the author only (Bob's menu on Alice's message has no Edit); shown as edited on both sides.
  await openMenu(bob, dinner, phone);
  await expect(bob.byTestId('menu-edit')).toHaveCount(0);
  await expect(bob.byTestId('menu-delete-everyone')).toHaveCount(0);
  await bob.byTestId('menu-close').click();
  await openMenu(alice, alice.message('Dinner at 8?'), phone);
  await alice.byTestId('menu-edit').click();
  await expect(alice.byTestId('edit-banner')).toBeVisible();
  await expect(alice.byTestId('composer-input')).toHaveValue('Dinner at 8?');
  await alice.byTestId('composer-input').fill('Dinner at 9?');
  await alice.byTestId('send').click();
  await expect(bob.message('Dinner at 9?').getByTestId('message-edited')).toBeVisible();
  await expect(alice.message('Dinner at 9?').getByTestId('message-edited')).toBeVisible();
  await expect(bob.message('Dinner at 9?').getByTestId('reaction')).toHaveAttribute('data-count', '1');

  // Delete for everyone: a tombstone on both sides.
  await say(alice, 'Oops, wrong chat');
  await expect(bob.message('Oops, wrong chat')).toBeVisible();
  // This time from the keyboard: the bubble's hidden "Message actions" button, focused, opens the menu.
  await alice.message('Oops, wrong chat').getByTestId('message-actions').focus();
  await alice.page.keyboard.press('Enter');
  await expect(alice.byTestId('message-menu')).toBeVisible();
  await alice.byTestId('menu-delete-everyone').click();
  await expect(bob.page.locator('[data-testid="message"][data-deleted="true"]')).toHaveCount(1);
  await expect(alice.page.locator('[data-testid="message"][data-deleted="true"]')).toHaveCount(1);
  await expect(bob.page.getByText('Oops, wrong chat')).toHaveCount(0);
  await expect(bob.byTestId('message-deleted')).toHaveText('This message was deleted.');
  await shot(bob.page, testInfo, 'conv-02-edited-deleted');

  // Search from the chat list finds the old message, case-insensitively, and opens the chat at it.
  await bob.route('#/');
  await bob.byTestId('search-input').fill('PENGUINS');
  const result = bob.byTestId('search-result');
  await expect(result).toHaveCount(1);
  await expect(result).toContainText('An old note about Penguins');
  await checkA11y(bob.page, testInfo, 'search-results');
  await result.click();
  const found = bob.message('An old note about Penguins, see https://example.com/penguins');
  await expect(found).toHaveClass(/highlight/);
  await expect(found).toBeInViewport();
});

test('disappearing messages: the timer is agreed, shown, and a message is gone on both sides once it ran', async ({ users }, testInfo) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  // Both pages' clocks are Playwright's from here: time runs, and can be moved forward.
  await alice.page.clock.install();
  await bob.page.clock.install();
  await befriend(alice, bob);
  await alice.openChat(bob.sessionId);
  await bob.openChat(alice.sessionId);
  await say(alice, 'This one stays');

  await alice.byTestId('chat-menu').click();
  await alice.byTestId('timer-select').selectOption(String(5 * 60_000));
  await expect(alice.byTestId('chat-menu-dialog')).not.toBeVisible();
  await expect(alice.byTestId('timer-notice')).toHaveText(/You set disappearing messages to 5 minutes/);
  await expect(bob.byTestId('timer-notice')).toHaveText(/Alice set disappearing messages to 5 minutes/);
  // Bob's picker shows the agreed setting too.
  await bob.byTestId('chat-menu').click();
  await expect(bob.byTestId('timer-select')).toHaveValue(String(5 * 60_000));
  await checkA11y(bob.page, testInfo, 'chat-options');
  await bob.byTestId('chat-menu-close').click();

  await say(alice, 'Self-destructing note');
  await expect(bob.message('Self-destructing note')).toBeVisible();
  await shot(bob.page, testInfo, 'conv-03-disappearing');

  await alice.page.clock.fastForward('05:30');
  await bob.page.clock.fastForward('05:30');
  await expect(alice.message('Self-destructing note')).toHaveCount(0);
  await expect(bob.message('Self-destructing note')).toHaveCount(0);
  await expect(bob.message('This one stays')).toBeVisible();
  // Gone from storage too, not only from the screen: a search no longer finds it.
  await bob.route('#/');
  // The list shows what is last now: the notice, in words (not the expired message).
  await expect(bob.chatRow(alice.sessionId).getByTestId('chat-row-preview')).toHaveText('Alice set disappearing messages to 5 minutes.');
  await bob.byTestId('search-input').fill('self-destructing');
  await expect(bob.byTestId('search-none')).toBeVisible();
});

/** A y4m video (what Chromium's fake camera plays) showing a QR code of `text`, black on white. */
function qrVideo(text: string): Buffer {
  const { data } = encode(text);
  const px = 8;
  const quiet = 4;
  const side = (data.length + quiet * 2) * px;
  const size = side + (side % 2); // 4:2:0 needs even sides
  const y = Buffer.alloc(size * size, 235);
  for (let r = 0; r < data.length; r++)
    for (let c = 0; c < data.length; c++) {
      if (!data[r]![c]) continue;
      for (let dy = 0; dy < px; dy++)
        y.fill(16, ((r + quiet) * px + dy) * size + (c + quiet) * px, ((r + quiet) * px + dy) * size + (c + quiet + 1) * px);
    }
  const chroma = Buffer.alloc((size / 2) * (size / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  return Buffer.concat([Buffer.from(`YUV4MPEG2 W${size} H${size} F10:1 Ip A1:1 C420jpeg\n`), frame, frame, frame]);
}

test('QR scanning works where BarcodeDetector is absent: jsQR reads the camera', async ({
  baseURL,
  viewport,
  isMobile,
  hasTouch,
}, testInfo) => {
  const id = `05${'3c'.repeat(32)}`;
  const file = testInfo.outputPath('qr.y4m');
  writeFileSync(file, qrVideo(id));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${file}`,
    ],
  });
  try {
    const context = await browser.newContext({ baseURL: baseURL!, viewport, isMobile, hasTouch, permissions: ['camera'] });
    const page = await context.newPage();
    // As in Firefox or Chromium on Linux: no BarcodeDetector.
    await page.addInitScript(() => delete (globalThis as { BarcodeDetector?: unknown }).BarcodeDetector);
    const m = new Messenger('Carol', page, context);
    await m.goto();
    await m.onboard();
    const jsqrLoaded = page.waitForRequest(/jsQR-[^/]*\.js$/);
    await m.route('#/add');
    await m.byTestId('scan-qr').click();
    await jsqrLoaded; // fetched only now, not with the shell
    await expect(m.byTestId('add-id-input')).toHaveValue(id);
  } finally {
    await browser.close();
  }
});
