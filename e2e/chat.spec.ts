// The starter flow: two people, two browser contexts, one real relay. Onboarding → contact
// request (with an invalid ID rejected first) → accept → messages both ways, ticks to "read".
import { expect, shot, test } from './fixtures.ts';
import { befriend } from './messenger.ts';

test('onboarding, invitation, accept, and chat both ways', async ({ users }, testInfo) => {
  const alice = await users.onboard('Alice');
  await shot(alice.page, testInfo, '01-chats-empty');
  const bob = await users.onboard('Bob');

  // A malformed ID is refused inline, with the reason, before anything is sent.
  await alice.route('#/add');
  await alice.byTestId('add-id-input').fill('05not-an-id');
  await alice.byTestId('add-note-input').focus();
  await expect(alice.byTestId('add-id-error')).toHaveText(/only the characters 0-9 and a-f/);
  await alice.byTestId('add-id-input').fill(bob.sessionId.slice(0, 40));
  await alice.byTestId('send-invitation').click();
  await expect(alice.byTestId('add-id-error')).toHaveText(/66 characters long; this one has 40/);
  await shot(alice.page, testInfo, '02-add-contact-invalid');

  await alice.invite(bob.sessionId, 'Hi Bob, it is Alice from the climbing gym');
  await expect(alice.outgoing(bob.sessionId).getByTestId('outgoing-state')).toHaveText(/Waiting · 2[34] h left/);
  await shot(alice.page, testInfo, '03-request-sent');

  // Bob sees the request live, with who, the note and the time left.
  await expect(bob.byTestId('requests-badge')).toHaveText('1');
  await bob.route('#/contacts');
  const inv = bob.incoming(alice.sessionId);
  await expect(inv.getByTestId('invitation-name')).toHaveText('Alice');
  await expect(inv.getByTestId('invitation-note')).toHaveText('Hi Bob, it is Alice from the climbing gym');
  await expect(inv.getByTestId('invitation-time-left')).toHaveText(/2[34] h left/);
  await shot(bob.page, testInfo, '04-request-received');
  await bob.accept(alice.sessionId);

  // Alice is told; Bob's name reaches her with his profile.
  await expect(alice.outgoing(bob.sessionId)).toHaveAttribute('data-status', 'accepted');
  await alice.route('#/');
  await expect(alice.chatRow(bob.sessionId)).toContainText('Bob');

  // Alice → Bob, with Enter.
  await alice.openChat(bob.sessionId);
  await alice.send('Hello Bob!');
  await expect(alice.message('Hello Bob!')).toHaveAttribute('data-status', /sent|delivered|read/);

  // Bob sees it in his list (unread), opens it, and it becomes read on Alice's side.
  await bob.route('#/');
  await expect(bob.chatRow(alice.sessionId).getByTestId('chat-row-preview')).toContainText('Hello Bob!');
  await expect(bob.chatRow(alice.sessionId).getByTestId('unread-count')).toHaveText('1');
  await shot(bob.page, testInfo, '05-chat-list-unread');
  await bob.openChat(alice.sessionId);
  await expect(bob.message('Hello Bob!')).toHaveAttribute('data-direction', 'in');
  await alice.expectStatus('Hello Bob!', 'read');

  // Bob → Alice.
  await bob.send('Hi Alice 👋 good to hear from you');
  await expect(alice.message('Hi Alice 👋 good to hear from you')).toHaveAttribute('data-direction', 'in');
  await bob.expectStatus('Hi Alice 👋 good to hear from you', 'read');
  await shot(alice.page, testInfo, '06-chat-alice');
  await shot(bob.page, testInfo, '07-chat-bob');

  // On a phone Enter makes a new line and the button sends; with a keyboard Enter sends.
  if (await bob.coarse()) {
    const input = bob.byTestId('composer-input');
    await input.fill('line one');
    await input.press('Enter');
    await input.pressSequentially('line two');
    await expect(input).toHaveValue('line one\nline two');
    await bob.byTestId('send').click();
    await expect(alice.messages().last()).toContainText('line two');
    await expect(input).toHaveValue('');
  }

  // An empty message is not a silent no-op.
  if (await bob.coarse()) await bob.byTestId('send').click();
  else await bob.byTestId('composer-input').press('Enter');
  await expect(bob.byTestId('composer-error')).toHaveText('Write a message first.');
});

test('reading history stays put when a message arrives; the "new messages" button brings you down', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await bob.openChat(alice.sessionId);
  for (let i = 1; i <= 24; i++) await bob.send(`history line ${i}`);
  await alice.openChat(bob.sessionId);
  await expect(alice.message('history line 24')).toBeVisible();
  const scroller = alice.byTestId('message-scroller');
  // Opened at the newest message.
  expect(await scroller.evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight)).toBeLessThan(2);

  await scroller.evaluate((el) => (el.scrollTop = 0));
  await expect(alice.message('history line 1')).toBeInViewport();
  await bob.send('a new one while Alice reads');
  await expect(alice.message('a new one while Alice reads')).toHaveCount(1);
  await expect(alice.byTestId('new-below')).toBeVisible();
  expect(await scroller.evaluate((el) => el.scrollTop)).toBe(0);
  await expect(alice.message('history line 1')).toBeInViewport();

  await alice.byTestId('new-below').click();
  await expect(alice.message('a new one while Alice reads')).toBeInViewport();
  await expect(alice.byTestId('new-below')).toHaveCount(0);
});
