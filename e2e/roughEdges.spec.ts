// Rough edges a new user hit (issue 13): a Session ID pasted across line breaks or in upper case,
// an invite link that opens Add contact filled in, and sharing that link; ticks that differ in
// shape and label, not only colour; initials from letters only; the composer's length limit; an
// unsent message deleted for good; only the wrong word marked in the phrase check.
import { expect, test } from './fixtures.ts';
import { befriend } from './messenger.ts';
import { chatting, openMenu, say } from './messageActions.ts';

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

test('ticks: delivered and read differ in label and shape; avatar initials are letters only', async ({ users }) => {
  const alice = await users.onboard('A(lice');
  const bob = await users.onboard('(bob) 42');
  await befriend(alice, bob);

  // Punctuation and digits never make an initial.
  await expect(alice.chatRow(bob.sessionId).getByTestId('avatar')).toHaveText('B');
  await expect(bob.chatRow(alice.sessionId).getByTestId('avatar')).toHaveText('A');

  // Bob is online but not in the chat: delivered, not read.
  await alice.openChat(bob.sessionId);
  await expect(alice.page.locator('[data-testid="chat-view"]').getByTestId('avatar')).toHaveText('B');
  await say(alice, 'tick check');
  const tick = alice.message('tick check').getByTestId('message-status');
  await expect(tick).toHaveAttribute('data-status', 'delivered');
  await expect(tick).toHaveAttribute('aria-label', 'Delivered');
  await expect(tick).toHaveAttribute('role', 'img');
  await expect(tick).toHaveAttribute('data-icon', 'checks');
  const deliveredShape = await tick.locator('svg path').getAttribute('d');

  // Bob reads it: a different label and a different drawing.
  await bob.openChat(alice.sessionId);
  await expect(bob.message('tick check')).toBeVisible();
  await expect(tick).toHaveAttribute('data-status', 'read');
  await expect(tick).toHaveAttribute('aria-label', 'Read');
  await expect(tick).toHaveAttribute('data-icon', 'readChecks');
  const readShape = await tick.locator('svg path').getAttribute('d');
  expect(readShape).toBeTruthy();
  expect(readShape).not.toBe(deliveredShape);
});

test('the composer shows the length limit near it and refuses a message over it, saying how much to cut', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await alice.openChat(bob.sessionId);
  const input = alice.byTestId('composer-input');
  const limit = alice.byTestId('composer-limit');

  await input.fill('a short one');
  await expect(limit).toHaveCount(0);

  // Far over the real limit (but under the SDK's character cap): shown, and refused with the cut.
  const long = 60_000;
  await input.fill('a'.repeat(long));
  await expect(limit).toHaveText(/^Too long by about [\d,]+ characters$/);
  const room = Number(await limit.getAttribute('data-room'));
  expect(room).toBeLessThan(0);
  await alice.byTestId('send').click();
  await expect(alice.byTestId('composer-error')).toHaveText(
    `This message is too long: shorten it by about ${(-room).toLocaleString('en-US')} characters, or send it in parts.`,
  );
  await expect(input).toHaveValue('a'.repeat(long)); // the draft is kept
  await expect(alice.messages()).toHaveCount(0);

  // Cut by that much: right at the limit, and it really goes.
  const fits = long + room;
  await input.fill('b'.repeat(fits));
  await expect(limit).toHaveText('About 0 characters left');
  await expect(alice.byTestId('composer-error')).toHaveCount(0);
  await alice.byTestId('send').click();
  await expect(input).toHaveValue('');
  await expect(alice.messages()).toHaveCount(1);
  await expect(alice.messages().last()).toHaveAttribute('data-status', /sent|delivered|read/);
  await bob.openChat(alice.sessionId);
  await expect(bob.messages().last().getByTestId('message-text')).toHaveText('b'.repeat(fits));
});

test('a message deleted before it left the device is gone for good and never reaches the contact', async ({ users }, testInfo) => {
  const phone = testInfo.project.name === 'phone';
  const { alice, bob } = await chatting(users);
  await say(alice, 'first, delivered');
  await expect(bob.message('first, delivered')).toBeVisible();

  await alice.context.setOffline(true);
  await expect(alice.byTestId('connection-banner')).toHaveAttribute('data-state', 'offline');
  await say(alice, 'never to be sent');
  await alice.expectStatus('never to be sent', 'queued');
  await expect(alice.byTestId('queued-count')).toHaveAttribute('data-count', '1');
  await openMenu(alice, alice.message('never to be sent'), phone);
  await alice.byTestId('menu-delete-me').click();
  await expect(alice.message('never to be sent')).toHaveCount(0);

  // Back online: what she writes next goes out; the deleted one never does.
  await alice.context.setOffline(false);
  await expect(alice.byTestId('connection-banner')).toHaveCount(0);
  await say(alice, 'sent after reconnecting');
  await expect(bob.message('sent after reconnecting')).toBeVisible();
  await expect(alice.message('sent after reconnecting')).toHaveAttribute('data-status', 'read');
  await expect(bob.message('never to be sent')).toHaveCount(0);
  await expect(bob.messages()).toHaveCount(2);

  // And it does not come back after a reload.
  await alice.page.reload();
  await expect(alice.message('sent after reconnecting')).toBeVisible();
  await expect(alice.message('never to be sent')).toHaveCount(0);
  await bob.page.reload();
  await expect(bob.message('sent after reconnecting')).toBeVisible();
  await expect(bob.message('never to be sent')).toHaveCount(0);
});

test('one wrong word in the phrase check marks only that field', async ({ users }) => {
  const carol = await users.open('Carol');
  await carol.byTestId('create-identity').click();
  await carol.byTestId('onboarding-name').fill('Carol');
  await carol.byTestId('identity-continue').click();
  const words = ((await carol.byTestId('recovery-phrase').getAttribute('data-phrase')) ?? '').split(' ');
  expect(words).toHaveLength(12);
  await carol.byTestId('phrase-written').click();
  const inputs = carol.byTestId('confirm-word');
  await expect(inputs).toHaveCount(3);
  const all = await inputs.all();
  const positions = await Promise.all(all.map(async (i) => Number(await i.getAttribute('data-index'))));
  for (const [n, input] of all.entries()) await input.fill(n === 1 ? 'notaword' : words[positions[n]!]!);
  await carol.byTestId('confirm-phrase').click();

  await expect(carol.byTestId('confirm-error')).toHaveText(`Word #${positions[1]! + 1} does not match. Check the list you wrote down.`);
  await expect(all[1]!).toHaveAttribute('aria-invalid', 'true');
  await expect(all[1]!).toHaveAttribute('aria-describedby', 'confirm-error');
  for (const n of [0, 2]) {
    await expect(all[n]!).not.toHaveAttribute('aria-invalid', 'true');
    await expect(all[n]!).toHaveValue(words[positions[n]!]!); // the right words are kept
  }

  // Fixing that one word is enough.
  await all[1]!.fill(words[positions[1]!]!);
  await expect(carol.byTestId('confirm-error')).toHaveCount(0);
  await expect(all[1]!).not.toHaveAttribute('aria-invalid', 'true');
  await carol.byTestId('confirm-phrase').click();
  await expect(carol.byTestId('app-shell')).toBeVisible();
});
