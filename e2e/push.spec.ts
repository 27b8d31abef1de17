// Web Push in real Chromium. Chromium here cannot reach a real push service to subscribe, so the
// test does what the push service and the browser's push layer would: it hands the app's service
// worker a real payload — E2E boxes sealed by Alice to Bob, as the relay puts them in a push
// (server/src/push/payload.ts) — through CDP ServiceWorker.deliverPushMessage. The worker opens
// them with Bob's keys from IndexedDB; the notification is read back with
// registration.getNotifications() for each privacy level, and a click opens the chat.
// (The relay side — VAPID, RFC 8291 encryption, who gets a push — is covered by server/test/push*.)
import type { CDPSession, Worker } from '@playwright/test';
import { encodeBody } from '../client/body.ts';
import { createIdentity, identityFromPhrase, randomId, seal, toBase64, type Identity } from '../protocol/index.ts';
import { expect, test } from './fixtures.ts';
import { befriend, type Messenger } from './messenger.ts';

interface Shown {
  title: string;
  body: string;
  tag: string;
  url: string;
}

function notifications(m: Messenger): Promise<Shown[]> {
  return m.page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    return (await reg.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url }));
  });
}

function clearNotifications(m: Messenger): Promise<void> {
  return m.page.evaluate(async () => {
    for (const n of await (await navigator.serviceWorker.ready).getNotifications()) n.close();
  });
}

/** The level as the service worker will read it (IndexedDB), once the radio's write has landed. */
function storedLevel(m: Messenger): Promise<string | undefined> {
  return m.page.evaluate(
    () =>
      new Promise<string | undefined>((resolve) => {
        const open = indexedDB.open('session-messenger-prefs');
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('kv')) return (resolve(undefined), db.close());
          const get = db.transaction('kv').objectStore('kv').get('notifyLevel');
          get.onsuccess = () => {
            resolve(get.result as string | undefined);
            db.close();
          };
        };
      }),
  );
}

async function pushChannel(m: Messenger, origin: string): Promise<{ cdp: CDPSession; deliver: (data: string) => Promise<void> }> {
  await expect.poll(() => m.page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  const cdp = await m.context.newCDPSession(m.page);
  const regs: { registrationId: string; scopeURL: string; isDeleted: boolean }[] = [];
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => regs.push(...e.registrations));
  await cdp.send('ServiceWorker.enable');
  await expect.poll(() => regs.some((r) => r.scopeURL === `${origin}/` && !r.isDeleted)).toBe(true);
  const { registrationId } = regs.findLast((r) => r.scopeURL === `${origin}/` && !r.isDeleted)!;
  return { cdp, deliver: async (data) => void (await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data })) };
}

/** A push body as the relay builds it: the boxes, newest last. */
function payload(...items: object[]): string {
  return JSON.stringify({ v: 1, items });
}

function messageItem(from: Identity, to: string, text: string): object {
  const id = randomId();
  const ct = toBase64(seal(from, to as never, encodeBody({ t: 'msg', id, ts: Date.now(), content: text, messageType: 'text' })));
  return { k: 'm', id, ct };
}

function serviceWorker(m: Messenger): Worker {
  const sw = m.context.serviceWorkers().find((w) => w.url().endsWith('/sw.js'));
  if (!sw) throw new Error('no service worker in the context');
  return sw;
}

test('a pushed E2E box becomes a notification at each privacy level, invitations too, and a click opens the chat', async ({
  users,
  baseURL,
}) => {
  const origin = baseURL!;
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await bob.context.grantPermissions(['notifications'], { origin });
  const { cdp, deliver } = await pushChannel(bob, origin);
  const aliceKeys = identityFromPhrase(alice.phrase);

  const expected = {
    full: { title: 'Alice', body: 'meet at six?' },
    name: { title: 'Alice', body: 'New message' },
    none: { title: 'Session', body: 'New message' },
  } as const;
  for (const level of ['name', 'none', 'full'] as const) {
    await bob.route('#/settings');
    await bob.byTestId(`notify-level-${level}`).check();
    await expect.poll(() => storedLevel(bob)).toBe(level);
    await bob.route('#/');
    await clearNotifications(bob);
    await deliver(payload(messageItem(aliceKeys, bob.sessionId, 'meet at six?')));
    await expect
      .poll(() => notifications(bob))
      .toEqual([{ ...expected[level], tag: `chat-${alice.sessionId}`, url: `/#/chat/${alice.sessionId}` }]);
  }

  // Several boxes in one push (coalesced by the relay): one notification per chat, the newest.
  await clearNotifications(bob);
  await deliver(payload(messageItem(aliceKeys, bob.sessionId, 'first'), messageItem(aliceKeys, bob.sessionId, 'second')));
  await expect
    .poll(() => notifications(bob))
    .toEqual([{ title: 'Alice', body: 'second', tag: `chat-${alice.sessionId}`, url: `/#/chat/${alice.sessionId}` }]);

  // A box from a stranger is not a message Bob accepted: no notification; an invitation is.
  await clearNotifications(bob);
  const carol = createIdentity();
  await deliver(payload(messageItem(carol, bob.sessionId, 'buy crypto')));
  const inviteId = randomId();
  const card = toBase64(
    seal(carol, bob.sessionId as never, encodeBody({ t: 'invite', displayName: 'Carol', message: 'we met at the conference' })),
  );
  await deliver(payload({ k: 'i', id: inviteId, from: carol.sessionId, ct: card }));
  await expect
    .poll(() => notifications(bob))
    .toEqual([{ title: 'Contact request', body: 'Carol: we met at the conference', tag: `invite-${inviteId}`, url: '/#/contacts' }]);

  // An empty push (nothing fitted): a plain "New message".
  await clearNotifications(bob);
  await deliver('');
  await expect.poll(() => notifications(bob)).toEqual([{ title: 'Session', body: 'New message', tag: 'wake', url: '/#/' }]);

  // A click on a message notification opens that chat.
  await clearNotifications(bob);
  await deliver(payload(messageItem(aliceKeys, bob.sessionId, 'click me')));
  await expect.poll(() => notifications(bob)).toHaveLength(1);
  await serviceWorker(bob).evaluate(async (tag) => {
    const sw = self as unknown as { registration: ServiceWorkerRegistration; dispatchEvent(e: Event): boolean };
    const [n] = await sw.registration.getNotifications({ tag });
    const Ev = (globalThis as unknown as { NotificationEvent: new (t: string, i: { notification: Notification }) => Event })
      .NotificationEvent;
    sw.dispatchEvent(new Ev('notificationclick', { notification: n! }));
  }, `chat-${alice.sessionId}`);
  await expect(bob.page).toHaveURL(new RegExp(`#/chat/${alice.sessionId}$`));
  await expect(bob.page.locator(`[data-testid="chat-view"][data-peer="${alice.sessionId}"]`)).toBeVisible();

  // That chat now on screen in a focused window: a push for it shows nothing new.
  // Headless windows never have OS focus: emulate it, as a person looking at the chat would give it.
  await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: true });
  await expect.poll(() => bob.page.evaluate(() => document.hasFocus())).toBe(true);
  await clearNotifications(bob);
  await deliver(payload(messageItem(aliceKeys, bob.sessionId, 'already looking')));
  await deliver(payload({ k: 'i', id: randomId(), from: carol.sessionId, ct: card }));
  await expect.poll(() => notifications(bob)).toHaveLength(1);
  expect((await notifications(bob))[0]!.title).toBe('Contact request');
});
