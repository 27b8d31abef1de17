// The app lock in a real browser: a passphrase set in Settings seals IndexedDB; after a reload only
// the unlock screen is drawn (no chat list from storage), a wrong passphrase is refused and slowed
// down, the right one brings the chats back.
import { checkA11y } from './a11y.ts';
import { expect, shot, test } from './fixtures.ts';
import { befriend } from './messenger.ts';

test('app lock: set in Settings, reload shows only the unlock screen, wrong refused, right opens the chats', async ({
  users,
}, testInfo) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await bob.openChat(alice.sessionId);
  await bob.send('sealed at rest');
  await expect(alice.chatRow(bob.sessionId).getByTestId('chat-row-preview')).toHaveText('sealed at rest');

  // A second tab of the same app: it must not keep writing in clear once the lock is on.
  const other = await alice.context.newPage();
  await other.goto('/');
  await expect(other.getByTestId('app-shell')).toBeVisible();

  await alice.route('#/settings');
  await alice.byTestId('lock-pass').fill('open sesame');
  await alice.byTestId('lock-confirm').fill('open sesame');
  await alice.byTestId('lock-submit').click();
  await expect(alice.byTestId('lock-settings')).toHaveAttribute('data-lock', 'on');

  // At rest: no record holds the message text or Bob's name in clear.
  const dump = await alice.page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((res, rej) => {
      const r = indexedDB.open('session-messenger');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const out: unknown[] = [];
    for (const name of Array.from(db.objectStoreNames)) {
      out.push(
        await new Promise((res) => {
          const r = db.transaction(name).objectStore(name).getAll();
          r.onsuccess = () => res(r.result);
        }),
      );
    }
    db.close();
    return JSON.stringify(out, (_k, v: unknown) => (v instanceof Uint8Array ? new TextDecoder('latin1').decode(v) : v));
  });
  expect(dump).not.toContain('sealed at rest');
  expect(dump).not.toContain('Bob');
  // The other tab was told and reloaded onto the lock.
  await expect(other.getByTestId('lock-screen')).toBeVisible();
  await expect(other.getByTestId('app-shell')).toHaveCount(0);
  await other.close();

  await alice.route('#/');
  await alice.page.reload();
  await expect(alice.byTestId('lock-screen')).toBeVisible();
  await expect(alice.byTestId('app-shell-preview')).toHaveCount(0);
  await expect(alice.byTestId('app-shell')).toHaveCount(0);
  await expect(alice.page.locator('body')).not.toContainText('Bob');
  await shot(alice.page, testInfo, 'lock-screen');
  await checkA11y(alice.page, testInfo, 'lock-screen');

  await alice.byTestId('unlock-input').fill('open sesam');
  await alice.byTestId('unlock-submit').click();
  await expect(alice.byTestId('unlock-error')).toContainText('Wrong passphrase');
  await expect(alice.byTestId('app-shell')).toHaveCount(0);

  // The delay after one wrong attempt is 1 s: the button comes back on its own.
  await alice.byTestId('unlock-input').fill('open sesame');
  await expect(alice.byTestId('unlock-submit')).toBeEnabled();
  await alice.byTestId('unlock-submit').click();
  await expect(alice.byTestId('app-shell')).toBeVisible();
  await expect(alice.chatRow(bob.sessionId).getByTestId('chat-row-preview')).toHaveText('sealed at rest');
  await alice.waitConnected();

  // Still a working messenger on sealed storage: a new message arrives and survives the next unlock.
  await bob.send('after the lock');
  await expect(alice.chatRow(bob.sessionId).getByTestId('chat-row-preview')).toHaveText('after the lock');
});

test('app lock: "forgot" wipes this device and the account comes back from the recovery phrase', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const me = alice.sessionId;
  const phrase = alice.phrase;
  await alice.route('#/settings');
  await alice.byTestId('lock-pass').fill('forgotten one');
  await alice.byTestId('lock-confirm').fill('forgotten one');
  await alice.byTestId('lock-submit').click();
  await expect(alice.byTestId('lock-settings')).toHaveAttribute('data-lock', 'on');
  await alice.route('#/');
  await alice.page.reload();

  await alice.byTestId('unlock-forgot').click();
  const dialog = alice.byTestId('forget-dialog');
  await expect(dialog).toContainText('recovery phrase');
  await dialog.getByTestId('dialog-confirm').click();
  await expect(alice.byTestId('onboarding')).toBeVisible();
  await alice.restore(phrase);
  expect(alice.sessionId).toBe(me);

  // The wipe took the lock with it: a reload goes straight to the chats.
  await alice.page.reload();
  await expect(alice.byTestId('app-shell')).toBeVisible();
  await expect(alice.byTestId('lock-screen')).toHaveCount(0);
});
