// Rough edges a new user hit (issue 13): a Session ID pasted across line breaks or in upper case,
// an invite link that opens Add contact filled in, and sharing that link.
import { expect, test } from './fixtures.ts';

test('a pasted ID with line breaks and upper case is taken; an invite link opens Add contact filled in and is shared', async ({
  users,
}) => {
  const bob = await users.onboard('Bob');
  const alice = await users.onboard('Alice');

  // Selected across the lines of a narrow screen, and shouted.
  await alice.route('#/add');
  const input = alice.byTestId('add-id-input');
  await input.fill(`${bob.sessionId.slice(0, 30).toUpperCase()}\n${bob.sessionId.slice(30)}\n`);
  await expect(input).toHaveValue(bob.sessionId);
  await expect(alice.byTestId('add-id-error')).toHaveCount(0);

  // Bob's invite link, opened by Carol: Add contact with his ID in it.
  const carol = await users.onboard('Carol');
  await carol.goto(`#/add/${bob.sessionId.toUpperCase()}`);
  await expect(carol.byTestId('add-contact-screen')).toBeVisible();
  await expect(carol.byTestId('add-id-input')).toHaveValue(bob.sessionId);
  await carol.byTestId('add-note-input').fill('from your link');
  await carol.byTestId('send-invitation').click();
  await expect(carol.outgoing(bob.sessionId)).toBeVisible();

  // Bob shares his link: the share sheet where the browser has one, else the clipboard.
  await bob.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await bob.route('#/settings');
  const share = bob.byTestId('share-invite');
  await share.click();
  const hasShare = await bob.page.evaluate(() => typeof navigator.share === 'function');
  if (hasShare) {
    await expect(share).toHaveAttribute('data-outcome', /shared|cancelled|copied/);
  } else {
    await expect(share).toHaveAttribute('data-outcome', 'copied');
    const origin = new URL(bob.page.url()).origin;
    expect(await bob.page.evaluate(() => navigator.clipboard.readText())).toBe(`${origin}/#/add/${bob.sessionId}`);
  }
});
