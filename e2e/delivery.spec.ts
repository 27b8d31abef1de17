// Delivery across someone being away, and across devices: one flow per project so onboarding is
// paid once. Bob's network drops → Alice's message stops at "sent" and his dot goes grey; his
// network returns → "delivered", then "read" when he opens the chat; a second device restored from
// Bob's phrase gets new messages; Bob closing every page → Alice sees him offline (the relay's
// PRESENCE_DEBOUNCE, shortened for e2e in playwright.config.ts).
import { expect, test } from './fixtures.ts';
import { befriend, type Messenger } from './messenger.ts';

/** Idle timeout + idle check + debounce (below), with room for a loaded machine. */
const OFFLINE_SEEN_MS = 30_000;

function dot(viewer: Messenger, peer: string) {
  return viewer.chatRow(peer).getByTestId('presence-dot');
}

test('presence, "sent" while the recipient is offline, delivered and read when he is back, and a linked device', async ({ users }) => {
  const alice = await users.onboard('Alice');
  const bob = await users.onboard('Bob');
  await befriend(alice, bob);
  await expect(dot(alice, bob.sessionId)).toHaveAttribute('data-online', 'true');

  // Bob's network goes: his app says so, and Alice's dot for him turns offline.
  await bob.context.setOffline(true);
  await expect(bob.byTestId('connection-banner')).toHaveAttribute('data-state', 'offline');
  // The relay learns it only when his silent socket times out: the idle timeout (1.5 × the 5 s
  // heartbeat, rounded up to 8 s), the Node transport's 1 s idle check, then the 1 s debounce: up
  // to ~10 s after his last frame, which on a loaded CI box once took longer than the default
  // 15 s expect timeout (on the Node transport).
  await expect(dot(alice, bob.sessionId)).toHaveAttribute('data-online', 'false', { timeout: OFFLINE_SEEN_MS });

  // Her message reaches the relay ("sent") and goes no further while he is away.
  await alice.openChat(bob.sessionId);
  await alice.send('are you there?');
  await alice.expectStatus('are you there?', 'sent');
  await expect(alice.byTestId('connection-banner')).toHaveCount(0);
  await alice.expectStatus('are you there?', 'sent');

  // Back online: delivered with no action from either (Bob stays on his chat list), read once he opens it.
  await bob.context.setOffline(false);
  await bob.waitConnected();
  await alice.expectStatus('are you there?', 'delivered');
  await expect(bob.chatRow(alice.sessionId).getByTestId('unread-count')).toHaveText('1');
  await bob.openChat(alice.sessionId);
  await expect(bob.message('are you there?')).toHaveAttribute('data-direction', 'in');
  await alice.expectStatus('are you there?', 'read');

  // A third context restored from Bob's phrase: his contacts come with it, and new messages too.
  const bob2 = await users.restore('Bob (laptop)', bob.phrase);
  expect(bob2.sessionId).toBe(bob.sessionId);
  await expect(bob2.chatRow(alice.sessionId)).toBeVisible();
  await alice.send('hello to all your devices');
  await bob2.openChat(alice.sessionId);
  await expect(bob2.message('hello to all your devices')).toHaveAttribute('data-direction', 'in');
  await expect(bob.message('hello to all your devices')).toHaveAttribute('data-direction', 'in');

  // Bob closes both pages: after the relay's debounce Alice sees him offline.
  await alice.route('#/');
  await expect(dot(alice, bob.sessionId)).toHaveAttribute('data-online', 'true');
  await bob.page.close();
  await bob2.page.close();
  await expect(dot(alice, bob.sessionId)).toHaveAttribute('data-online', 'false');
});
