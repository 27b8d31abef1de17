// What a person does to a message in the chat, shared by the conversation and rough-edges specs.
import type { Locator } from '@playwright/test';
import { expect, type Users } from './fixtures.ts';
import type { Messenger } from './messenger.ts';

/** Alice and Bob, contacts, each in the chat with the other. */
export async function chatting(users: Users): Promise<{ alice: Messenger; bob: Messenger }> {
  const { alice, bob } = await users.friends();
  await alice.openChat(bob.sessionId);
  await bob.openChat(alice.sessionId);
  return { alice, bob };
}

/** Types and sends with the button (Enter may make a new line on phones). */
export async function say(m: Messenger, text: string): Promise<void> {
  const input = m.byTestId('composer-input');
  await input.fill(text);
  await m.byTestId('send').click();
  await expect(input).toHaveValue('');
  await expect(m.message(text)).toBeVisible();
}

/** Opens the message menu as the device's user would: long-press on a phone, right-click on a desktop. */
export async function openMenu(m: Messenger, bubble: Locator, phone: boolean): Promise<void> {
  if (phone) {
    const box = (await bubble.locator('.bubble').boundingBox())!;
    const at = { clientX: box.x + box.width / 2, clientY: box.y + box.height / 2, pointerType: 'touch', isPrimary: true, bubbles: true };
    await bubble.locator('.bubble').dispatchEvent('pointerdown', at);
    await expect(m.byTestId('message-menu')).toBeVisible(); // held: the menu opens after 500 ms
    await bubble.locator('.bubble').dispatchEvent('pointerup', at);
  } else {
    await bubble.locator('.bubble').click({ button: 'right' });
    await expect(m.byTestId('message-menu')).toBeVisible();
  }
}
