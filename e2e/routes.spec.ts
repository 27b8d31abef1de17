// Malformed links (issue 11, finding 14): #/chat/%E0 used to throw at start (decodeURIComponent) and
// #/chat/garbage opened an empty chat with "garbage". Both show the not-found view, on a fresh load
// and on navigation, with no page error and no CSP violation (the fixture fails the test on one).
import { expect, test } from './fixtures.ts';

test('a malformed chat link shows not-found, on load and on navigation, and the way back works', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const errors: string[] = [];
  alice.page.on('pageerror', (e) => errors.push(e.message));

  await alice.page.goto('/#/chat/%E0');
  await expect(alice.byTestId('not-found')).toBeVisible();
  await expect(alice.page.locator('[data-testid="chat-view"]')).toHaveCount(0);

  await alice.page.evaluate(() => (location.hash = '#/chat/garbage'));
  await expect(alice.byTestId('not-found')).toBeVisible();
  await expect(alice.page.locator('[data-testid="chat-view"]')).toHaveCount(0);

  await alice.byTestId('not-found-home').click();
  await expect(alice.byTestId('not-found')).toHaveCount(0);
  await alice.waitConnected();
  expect(errors).toEqual([]);
});
