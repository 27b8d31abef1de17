// History on a new device, as a person does it: a backup file exported in Settings and imported
// on a device restored from the same phrase (a damaged file is refused and says so), and history
// fetched from the other device with a progress bar on both screens.
import { readFile, writeFile } from 'node:fs/promises';
import { checkA11y } from './a11y.ts';
import { expect, shot, test } from './fixtures.ts';
import { befriend } from './messenger.ts';

test('history: a backup file from one device brings the messages to another restored from the phrase', async ({ users }, testInfo) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await alice.openChat(bob.sessionId);
  for (const text of ['first from before', 'second from before']) {
    await alice.send(text);
    await alice.expectStatus(text, 'delivered');
  }

  await alice.route('#/settings');
  const [download] = await Promise.all([alice.page.waitForEvent('download'), alice.byTestId('backup-export').click()]);
  const path = testInfo.outputPath('alice.smbk');
  await download.saveAs(path);
  expect(download.suggestedFilename()).toMatch(/^session-backup-.*\.smbk$/);

  const laptop = await users.restore('Alice laptop', alice.phrase);
  await laptop.route('#/settings');
  // A damaged file: a clear error, nothing imported.
  const bytes = await readFile(path);
  bytes[bytes.length - 5]! ^= 1;
  const damaged = testInfo.outputPath('damaged.smbk');
  await writeFile(damaged, bytes);
  await laptop.byTestId('backup-import').setInputFiles(damaged);
  await expect(laptop.byTestId('backup-error')).toContainText('damaged');

  await laptop.byTestId('backup-import').setInputFiles(path);
  await expect(laptop.byTestId('backup-note')).toContainText('Restored 2 messages');
  await expect(laptop.byTestId('backup-error')).toHaveCount(0);
  await laptop.openChat(bob.sessionId);
  await expect(laptop.message('first from before')).toBeVisible();
  await expect(laptop.message('second from before')).toBeVisible();
});

test('history: a new device gets it from the other device, with progress on both screens', async ({ users }, testInfo) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await alice.openChat(bob.sessionId);
  await alice.send('said before the laptop existed');
  await alice.expectStatus('said before the laptop existed', 'delivered');
  await alice.route('#/settings');

  const laptop = await users.restore('Alice laptop', alice.phrase);
  await laptop.route('#/settings');
  await laptop.byTestId('history-request').click();
  await expect(laptop.byTestId('history-progress')).toContainText('History received');
  await expect(laptop.byTestId('history-bar')).toHaveAttribute('value', '1');
  await expect(alice.byTestId('history-progress')).toContainText('(1 of 1)');
  await checkA11y(laptop.page, testInfo, 'settings-history');
  await laptop.byTestId('history-section').scrollIntoViewIfNeeded();
  await shot(laptop.page, testInfo, 'settings-history');
  await laptop.openChat(bob.sessionId);
  await expect(laptop.message('said before the laptop existed')).toBeVisible();
});
