// Every main screen, light and dark, on this project's viewport: a screenshot artifact each
// (test-results/e2e/screens/<project>/) and an axe check with no serious or critical violation.
import type { Page, TestInfo } from '@playwright/test';
import { checkA11y } from './a11y.ts';
import { expect, shot, test } from './fixtures.ts';

async function both(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await shot(page, testInfo, `${name}-${scheme}`);
    await checkA11y(page, testInfo, `${name}-${scheme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('every main screen, light and dark, passes axe', async ({ users }, testInfo) => {
  test.setTimeout(300_000);
  // Onboarding screens, in a context of their own.
  const carol = await users.open('Carol');
  await both(carol.page, testInfo, 'onboarding-welcome');
  await carol.byTestId('create-identity').click();
  await expect(carol.byTestId('my-session-id')).toBeVisible();
  await both(carol.page, testInfo, 'onboarding-identity');
  await carol.byTestId('identity-continue').click();
  await both(carol.page, testInfo, 'onboarding-phrase');
  await carol.byTestId('phrase-written').click();
  await carol.byTestId('confirm-word').first().fill('wrong');
  await carol.byTestId('confirm-phrase').click();
  await expect(carol.byTestId('confirm-error')).toBeVisible();
  await both(carol.page, testInfo, 'onboarding-confirm-error');
  const dave = await users.open('Dave');
  await dave.byTestId('restore-identity').click();
  await dave.byTestId('restore-input').fill('abandon ability able about above absent absorb abstract absurd abuse access accidentx');
  await dave.byTestId('restore-submit').click();
  await expect(dave.byTestId('restore-error')).toContainText('Word 12');
  await both(dave.page, testInfo, 'onboarding-restore-error');

  // Two people with a conversation.
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await alice.invite(bob.sessionId, 'Hi Bob! Alice here, from the book club.');
  await bob.route('#/contacts');
  await expect(bob.incoming(alice.sessionId)).toBeVisible();
  await both(bob.page, testInfo, 'contacts-request');
  await bob.accept(alice.sessionId);
  await alice.openChat(bob.sessionId);
  await alice.send('Hey Bob, are we still on for Thursday?');
  await bob.openChat(alice.sessionId);
  await bob.send('Yes! 7 pm at the usual place.\nI will bring the book.');
  await alice.send('Perfect, see you there 📚');
  await expect(bob.message('Perfect, see you there 📚')).toBeVisible();
  await alice.expectStatus('Perfect, see you there 📚', 'read');
  await bob.byTestId('composer-input').fill('Typing something…');
  await expect(alice.byTestId('typing-indicator')).toBeVisible();
  await both(alice.page, testInfo, 'chat');
  await bob.byTestId('composer-input').fill('');

  await alice.route('#/');
  await both(alice.page, testInfo, 'chat-list');
  await alice.route('#/contacts');
  await both(alice.page, testInfo, 'contacts');
  await alice.route('#/add');
  await alice.byTestId('add-id-input').fill('05xyz');
  await alice.byTestId('add-note-input').focus();
  await expect(alice.byTestId('add-id-error')).toBeVisible();
  await both(alice.page, testInfo, 'add-contact');
  await alice.route('#/settings');
  await expect(alice.byTestId('settings-screen')).toBeVisible();
  await both(alice.page, testInfo, 'settings');

  // Offline banner with a queued message.
  await alice.openChat(bob.sessionId);
  await alice.context.setOffline(true);
  await expect(alice.byTestId('connection-banner')).toHaveAttribute('data-state', 'offline');
  await alice.send('Sent while offline');
  await alice.expectStatus('Sent while offline', 'queued');
  await both(alice.page, testInfo, 'chat-offline');
  await alice.context.setOffline(false);
  await expect(alice.message('Sent while offline')).toHaveAttribute('data-status', /sent|delivered|read/);
});
