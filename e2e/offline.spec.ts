// The installed-app promises: the service worker controls the page, and the app opens with its
// history with no network at all; a message written offline goes out by itself on reconnect.
import { expect, test } from './fixtures.ts';

test('offline: the app reloads from the service worker with its history, and queued messages go out by themselves', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await alice.invite(bob.sessionId, 'offline test');
  await bob.accept(alice.sessionId);
  await alice.openChat(bob.sessionId);
  await alice.send('before going offline');
  await alice.expectStatus('before going offline', 'delivered');

  // The service worker took control (clientsClaim) and precached the shell.
  await expect.poll(() => alice.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await alice.context.setOffline(true);
  await expect(alice.byTestId('connection-banner')).toHaveAttribute('data-state', 'offline');
  await alice.send('written offline');
  await alice.expectStatus('written offline', 'queued');
  await expect(alice.byTestId('queued-count')).toHaveAttribute('data-count', '1');

  // No network: the page still reloads (service worker) and shows everything (IndexedDB).
  await alice.page.reload();
  await expect(alice.byTestId('chat-view')).toBeVisible();
  await expect(alice.message('before going offline')).toBeVisible();
  await alice.expectStatus('written offline', 'queued');

  // Back online: it goes out with no action from her.
  await alice.context.setOffline(false);
  await expect(alice.byTestId('connection-banner')).toHaveCount(0);
  await expect(alice.message('written offline')).toHaveAttribute('data-status', /sent|delivered|read/);
  await bob.openChat(alice.sessionId);
  await expect(bob.message('written offline')).toBeVisible();
});
