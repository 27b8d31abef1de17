// Start-up on a slow network: the chat list is drawn from IndexedDB by the shell before the SDK
// chunk (and its crypto) has arrived, its rows are real links, and the live session then takes the
// same list over. The SDK chunk is held with page.route (no service worker here, so every chunk
// goes through the network and can be held).
import { checkA11y } from './a11y.ts';
import { expect, shot, test } from './fixtures.ts';
import { befriend } from './messenger.ts';

test('start-up: the chat list shows from IndexedDB before the SDK chunk, a row opens its chat, then it goes live', async ({
  users,
}, testInfo) => {
  const alice = await users.onboard('Alice', { context: { serviceWorkers: 'block' } });
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await bob.openChat(alice.sessionId);
  await bob.send('read from the cache');
  await expect(alice.chatRow(bob.sessionId).getByTestId('unread-count')).toHaveAttribute('data-count', '1');

  let sdkRequested = false;
  let release = (): void => undefined;
  const held = new Promise<void>((r) => (release = r));
  await alice.page.route(/\/assets\/engine-[^/]+\.js$/, async (route) => {
    sdkRequested = true;
    await held;
    await route.continue();
  });
  await alice.page.reload();

  // Before the SDK: the preview, with the row as storage has it (name, last message, unread).
  const row = alice.chatRow(bob.sessionId);
  await expect(alice.byTestId('app-shell-preview')).toBeVisible();
  await expect(row).toContainText('Bob');
  await expect(row.getByTestId('chat-row-preview')).toHaveText('read from the cache');
  await expect(row.getByTestId('unread-count')).toHaveAttribute('data-count', '1');
  expect(sdkRequested).toBe(true);
  await expect(alice.byTestId('app-shell')).toHaveCount(0);
  await shot(alice.page, testInfo, 'startup-preview');
  await checkA11y(alice.page, testInfo, 'startup-preview');

  // The row is a real link: the chat opens (its bar from the cache) and waits for the session.
  await row.click();
  await expect(alice.byTestId('starting-detail')).toBeVisible();
  await expect(alice.byTestId('chat-name')).toHaveText('Bob');
  await expect(alice.byTestId('app-shell')).toHaveCount(0);
  await checkA11y(alice.page, testInfo, 'startup-opening-chat');

  release();
  await expect(alice.byTestId('app-shell')).toBeVisible();
  await expect(alice.byTestId('app-shell-preview')).toHaveCount(0);
  await expect(alice.page.locator(`[data-testid="chat-view"][data-peer="${bob.sessionId}"]`)).toBeVisible();
  await expect(alice.message('read from the cache')).toBeVisible();
  await alice.waitConnected();

  // Live now: a new message updates the one row (no duplicate), as the session sees it.
  await alice.route('#/');
  await bob.send('and now live');
  await expect(alice.chatRow(bob.sessionId).getByTestId('chat-row-preview')).toHaveText('and now live');
  await expect(alice.chatRow(bob.sessionId)).toHaveCount(1);
});
