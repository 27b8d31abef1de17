// The grant lifecycle (issue 10) in real Chromium, for the cases that were SDK tests only: a device
// whose clock runs three weeks ahead renews nothing for a blocked person, and after a decline or a
// cancel the invitee can neither write nor see the inviter's presence. (What a modified client
// presenting whatever it holds gets is in server/test/invitations.test.ts and regrant.test.ts.)
import { expect, test } from './fixtures.ts';
import { befriend, type Messenger } from './messenger.ts';

const WEEK = 7 * 86_400_000;

function blockedRow(m: Messenger, peer: string) {
  return m.page.locator(`[data-testid="blocked-row"][data-peer="${peer}"]`);
}

/** Opens the chat with `peer` by link (a person need not be a contact for the address to open). */
async function chatWith(m: Messenger, peer: string): Promise<void> {
  await m.route(`#/chat/${peer}`);
  await expect(m.page.locator(`[data-testid="chat-view"][data-peer="${peer}"]`)).toBeVisible();
}

test('a device with its clock three weeks ahead renews nothing for a blocked person', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await alice.openChat(bob.sessionId);
  await alice.byTestId('block-contact').click();
  await alice.byTestId('block-dialog').getByTestId('dialog-confirm').click();
  await alice.route('#/contacts');
  await expect(blockedRow(alice, bob.sessionId)).toBeVisible();

  // By its clock, the grant Alice gave Bob has less than 10 days left: renewal is due, and refused.
  const ahead = await users.restore('Alice ahead', alice.phrase, { clockAheadMs: 3 * WEEK });
  await ahead.route('#/contacts');
  await expect(blockedRow(ahead, bob.sessionId)).toBeVisible();
  await alice.page.close(); // only the device ahead is left online

  await chatWith(bob, alice.sessionId);
  // Alice's device is online, yet Bob sees her offline and his message never arrives.
  await expect(bob.page.locator('[data-testid="chat-view"] [data-testid="presence-dot"]')).toHaveAttribute('data-online', 'false');
  await bob.send('still there?');
  await bob.expectStatus('still there?', 'sent');
  await ahead.route('#/');
  await expect(ahead.chatRow(bob.sessionId)).toHaveCount(0);
  await expect(ahead.page.getByText('still there?')).toHaveCount(0);
  await expect(bob.page.getByText(/no longer accepting|blocked/i)).toHaveCount(0);
});

test('after a decline and after a cancel the invitee can neither write nor see presence', async ({ users }) => {
  const bob = await users.onboard('Bob');
  for (const end of ['decline', 'cancel'] as const) {
    const alice = await users.onboard(`Alice ${end}`);
    await alice.invite(bob.sessionId, `hello (${end})`);
    await bob.route('#/contacts');
    const card = bob.incoming(alice.sessionId);
    await expect(card).toBeVisible();
    if (end === 'decline') await card.getByTestId('decline-invitation').click();
    else await alice.outgoing(bob.sessionId).getByTestId('cancel-invitation').click();
    await expect(card).toHaveCount(0);

    await chatWith(bob, alice.sessionId);
    await expect(bob.byTestId('composer-input')).toHaveCount(0);
    await expect(bob.byTestId('chat-notice')).toContainText('once they accept');
    await expect(bob.page.locator('[data-testid="chat-view"] [data-testid="presence-dot"]')).toHaveAttribute('data-online', 'false');
    await bob.route('#/');
    await expect(bob.chatRow(alice.sessionId)).toHaveCount(0);
  }
});
