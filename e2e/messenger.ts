// One person using the app in one browser context: what they can do, by data-testid only, and
// working the same on the phone layout (one screen at a time) and the desktop one (two panes).
import { expect, type BrowserContext, type Locator, type Page } from '@playwright/test';

export type Status = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export class Messenger {
  sessionId = '';
  phrase = '';

  constructor(
    readonly name: string,
    readonly page: Page,
    readonly context: BrowserContext,
  ) {}

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async goto(hash = ''): Promise<void> {
    await this.page.goto(`/${hash}`);
  }

  /** Navigates by hash, as a person following a link would. */
  async route(hash: '#/' | '#/contacts' | '#/add' | '#/settings' | `#/chat/${string}`): Promise<void> {
    await this.page.evaluate((h) => (location.hash = h), hash);
  }

  /** Create identity → name → phrase → confirm three words. Leaves the app on the chat list. */
  async onboard(): Promise<void> {
    const p = this.page;
    await this.byTestId('create-identity').click();
    const id = this.byTestId('my-session-id');
    await expect(id).toBeVisible();
    this.sessionId = (await id.getAttribute('data-value')) ?? '';
    expect(this.sessionId).toMatch(/^05[0-9a-f]{64}$/);
    await this.byTestId('onboarding-name').fill(this.name);
    await this.byTestId('identity-continue').click();
    this.phrase = (await this.byTestId('recovery-phrase').getAttribute('data-phrase')) ?? '';
    expect(this.phrase.split(' ')).toHaveLength(12);
    await this.byTestId('phrase-written').click();
    const words = this.phrase.split(' ');
    const inputs = this.byTestId('confirm-word');
    await expect(inputs).toHaveCount(3);
    for (const input of await inputs.all()) await input.fill(words[Number(await input.getAttribute('data-index'))]!);
    await this.byTestId('confirm-phrase').click();
    await expect(this.byTestId('app-shell')).toBeVisible();
    await this.waitConnected();
    void p;
  }

  async restore(phrase: string): Promise<void> {
    await this.byTestId('restore-identity').click();
    await this.byTestId('restore-input').fill(phrase);
    await this.byTestId('restore-submit').click();
    await expect(this.byTestId('app-shell')).toBeVisible();
    await this.route('#/settings');
    this.sessionId = (await this.byTestId('my-session-id').first().getAttribute('data-value')) ?? '';
    this.phrase = phrase;
    await this.route('#/');
    await this.waitConnected();
  }

  /** No offline/connecting banner: the socket is up. */
  async waitConnected(): Promise<void> {
    await expect(this.byTestId('connection-banner')).toHaveCount(0);
  }

  async invite(recipientId: string, note: string): Promise<void> {
    await this.route('#/add');
    await this.byTestId('add-id-input').fill(recipientId);
    await this.byTestId('add-note-input').fill(note);
    await this.byTestId('send-invitation').click();
    await expect(this.byTestId('contacts-screen')).toBeVisible();
    await expect(this.outgoing(recipientId)).toBeVisible();
  }

  outgoing(peer: string): Locator {
    return this.page.locator(`[data-testid="outgoing-invitation"][data-peer="${peer}"]`);
  }

  incoming(peer: string): Locator {
    return this.page.locator(`[data-testid="incoming-invitation"][data-peer="${peer}"]`);
  }

  async accept(peer: string): Promise<void> {
    await this.route('#/contacts');
    const inv = this.incoming(peer);
    await expect(inv).toBeVisible();
    await inv.getByTestId('accept-invitation').click();
    await expect(inv).toHaveCount(0);
  }

  chatRow(peer: string): Locator {
    return this.page.locator(`[data-testid="chat-row"][data-peer="${peer}"]`);
  }

  async openChat(peer: string): Promise<void> {
    await this.route('#/');
    await this.chatRow(peer).click();
    await expect(this.page.locator(`[data-testid="chat-view"][data-peer="${peer}"]`)).toBeVisible();
  }

  /** Types and presses Enter, as a person would. */
  /** A touch-first device (the phone project): Enter makes a new line there, the button sends. */
  coarse(): Promise<boolean> {
    return this.page.evaluate(() => matchMedia('(pointer: coarse)').matches);
  }

  /** Sends as a person would: Enter with a keyboard, the send button on a phone. */
  async send(text: string): Promise<void> {
    const input = this.byTestId('composer-input');
    await input.fill(text);
    if (await this.coarse()) await this.byTestId('send').click();
    else await input.press('Enter');
    await expect(input).toHaveValue('');
  }

  messages(): Locator {
    return this.byTestId('message');
  }

  message(text: string): Locator {
    return this.messages().filter({ has: this.page.getByTestId('message-text').getByText(text, { exact: true }) });
  }

  async expectStatus(text: string, status: Status): Promise<void> {
    await expect(this.message(text)).toHaveAttribute('data-status', status);
  }
}

/** a invites b, b accepts; resolves when both have the other in their chat list. */
export async function befriend(a: Messenger, b: Messenger, note = `Hi ${b.name}, it is ${a.name}`): Promise<void> {
  await a.invite(b.sessionId, note);
  await b.accept(a.sessionId);
  await a.route('#/');
  await b.route('#/');
  await expect(a.chatRow(b.sessionId)).toBeVisible();
  await expect(b.chatRow(a.sessionId)).toBeVisible();
}
