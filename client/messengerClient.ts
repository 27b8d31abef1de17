// The SDK's front door (DESIGN.md "Client SDK"): every call an app makes. ClientCore (clientCore.ts)
// owns the identity, the connection and the serial queue and wires the parts; this class adds the
// calls, each a thin step into the part that owns it.
import { identityFromEntropy, parseSessionId, parseUserSessionId } from '../protocol/index.ts';
import { type SendAttachmentInput } from './attachments.ts';
import { exportBackup, type MergeResult } from './backup.ts';
import { MAX_CONTENT_CHARS } from './body.ts';
import { type WebSocketConstructor } from './connection.ts';
import { Contacts } from './contacts.ts';
import { searchMessages, type SearchOptions, type SearchPage } from './search.ts';
import { checkContentFits, maxContentBytes } from './contentLimit.ts';
import { type HistoryProgressEvent } from './historyTransfer.ts';
import { type PushSubscriptionInput } from './push.ts';
import { checkText, checkUrls, type ConversationView, type MessengerClientOptions } from './options.ts';
import {
  DEFAULT_SETTINGS,
  type Contact,
  type Conversation,
  type InvitationRecord,
  type ListMessagesOptions,
  type OutboxItem,
  type Settings,
  type StoredMessage,
} from './storage.ts';
import { ClientCore } from './clientCore.ts';
import { yieldToMain } from './yieldToMain.ts';

export class MessengerClient extends ClientCore {
  static async create(opts: MessengerClientOptions): Promise<MessengerClient> {
    const urls = checkUrls(opts.url);
    const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('WebSocket: this platform has none; pass options.WebSocket (in Node: the ws package)');
    const s = opts.storage;
    const [stored, settings, conversations, outbox] = await Promise.all([
      s.getIdentity(),
      s.getSettings(),
      s.listConversations(),
      s.listOutbox(),
    ]);
    // Deriving the keys is the longest piece of start-up work: a task of its own.
    if (stored) await yieldToMain();
    const c = new MessengerClient(opts, urls, WS, stored ? identityFromEntropy(stored.entropy) : undefined, stored?.deviceId, {
      ...DEFAULT_SETTINGS,
      ...settings,
    });
    // Local order continues after what is stored, even if the clock went back since.
    c._lastSeq = Math.max(0, conversations[0]?.lastSeq ?? 0, outbox.at(-1)?.seq ?? 0);
    return c;
  }
  // ---- invitations ----------------------------------------------------------------------------

  /** Invites a Session ID; displayName and message are what the invitee sees (encrypted). */
  async sendInvitation(input: { recipientId: string; displayName: string; message?: string }): Promise<string> {
    // As a person pasted it: line breaks, spaces and upper case are forgiven (normaliseSessionId).
    const to = parseUserSessionId(input.recipientId);
    const displayName = checkText('displayName', input.displayName, 128);
    const message = checkText('message', input.message ?? '', 1024);
    this._requireIdentity();
    return this._queue.run(async () => (await this._invitations.send(to, displayName, message)).id);
  }

  /** Accepts; with displayName, also tells the inviter my name (an encrypted profile body). */
  async acceptInvitation(id: string, opts: { displayName?: string } = {}): Promise<void> {
    const name = opts.displayName === undefined ? undefined : checkText('displayName', opts.displayName, 128);
    await this._queue.run(() => this._invitations.respond(id, 'accept', name));
  }

  declineInvitation(id: string): Promise<void> {
    return this._queue.run(async () => void (await this._invitations.respond(id, 'decline')));
  }

  cancelInvitation(id: string): Promise<void> {
    return this._queue.run(async () => void (await this._invitations.respond(id, 'cancel')));
  }

  // ---- messages -------------------------------------------------------------------------------

  /** Stores the message (status queued) and returns its id at once; it goes out when connected. */
  async sendMessage(input: { recipientId: string; content: string; messageType?: string; replyTo?: string }): Promise<string> {
    const to = parseSessionId(input.recipientId);
    const content = checkText('content', input.content, MAX_CONTENT_CHARS);
    checkContentFits(content, this._limits);
    const messageType = checkText('messageType', input.messageType ?? 'text', 32);
    this._requireIdentity();
    return this._queue.run(async () => {
      const m = await this._messages.send(to, content, messageType, input.replyTo);
      this._typing.set(to, false);
      await this._outbox.flush();
      return m.id;
    });
  }

  /** The most bytes (UTF-8, see contentLimit.ts) one message may take on this server. */
  maxMessageBytes(): number {
    return maxContentBytes(this._limits);
  }

  // ---- attachments (client/attachments.ts) ----------------------------------------------------

  /**
   * Encrypts the file, stores its message (queued) and returns the message id at once; the file
   * uploads in the background (attachmentProgress events), then the message goes out.
   */
  async sendAttachment(input: SendAttachmentInput): Promise<string> {
    const to = parseSessionId(input.recipientId);
    checkText('name', input.name, 256);
    checkText('mime', input.mime, 128);
    checkText('caption', input.caption ?? '', MAX_CONTENT_CHARS);
    this._requireIdentity();
    return this._queue.run(async () => (await this._attachments.send(to, input)).id);
  }

  /** Stops an upload still running; its message fails with UPLOAD_CANCELLED. */
  cancelAttachment(messageId: string): boolean {
    return this._attachments.cancel(messageId);
  }

  /** The decrypted file of an attachment message (cached; digest and every chunk checked). */
  downloadAttachment(
    ref: NonNullable<StoredMessage['attachment']>,
    opts?: { onProgress?: (got: number, total: number) => void; signal?: AbortSignal },
  ): Promise<Uint8Array> {
    return this._attachments.download(ref, opts);
  }

  /** Queues a failed message (or envelope) again; an attachment whose upload failed uploads again. */
  retry(id: string): Promise<boolean> {
    return this._queue.run(async () => {
      const m = await this._ctx.storage.getMessage(id);
      if (m?.attachment?.id === '') return this._attachments.resume(m);
      return this._outbox.retry(id);
    });
  }

  /** Call on every keystroke (true) and when the draft is cleared (false); throttled here. */
  sendTypingIndicator(recipientId: string, isTyping: boolean): void {
    this._typing.set(parseSessionId(recipientId), isTyping);
  }

  /** Marks incoming messages read; returns the ids that were unread. */
  async markRead(recipientId: string, ids: readonly string[]): Promise<string[]> {
    const peer = parseSessionId(recipientId);
    return this._queue.run(async () => {
      const changed = await this._messages.markRead(peer, ids);
      await this._outbox.flush();
      return changed;
    });
  }

  // ---- conversation features (conversationOps.ts, disappearing.ts, search.ts) ---------------

  /** Adds (on = true) or removes my reaction with this emoji on a message; on all my devices and the peer's. */
  react(messageId: string, emoji: string, on = true): Promise<void> {
    return this._op(() => this._ops.react(messageId, emoji, on));
  }
  /** Edits my own message; the peer sees it "edited". */
  editMessage(messageId: string, content: string): Promise<void> {
    const text = checkText('content', content, MAX_CONTENT_CHARS);
    if (text.trim() === '') return Promise.reject(new RangeError('content: an edit cannot be empty'));
    checkContentFits(text, this._limits); // an edit goes in one envelope, as the message did
    return this._op(() => this._ops.edit(messageId, text));
  }
  /** Deletes my own message for everyone (within 24 h): a tombstone on every device of both. */
  deleteForEveryone(messageId: string): Promise<void> {
    return this._op(() => this._ops.unsend(messageId));
  }
  /** Deletes messages from this device and my other devices only. */
  deleteForMe(messageIds: readonly string[]): Promise<void> {
    return this._op(() => this._ops.hide(messageIds));
  }
  /** Deletes a conversation and its messages on my devices. */
  deleteChat(peer: string): Promise<void> {
    const p = parseSessionId(peer);
    return this._op(() => this._ops.deleteChat(p));
  }
  /** No notifications for this conversation, on all my devices. */
  setMuted(peer: string, muted: boolean): Promise<void> {
    const p = parseSessionId(peer);
    return this._op(() => this._ops.setMuted(p, muted));
  }
  /** Disappearing messages for the conversation (both sides apply it): 0 off, else 5 min … 4 weeks. */
  setDisappearingTimer(peer: string, ms: number): Promise<void> {
    const p = parseSessionId(peer);
    return this._op(() => this._ops.setTimer(p, ms));
  }
  /** Deletes expired disappearing messages now (it also runs by itself when one is due). */
  sweepExpired(): Promise<string[]> {
    return this._queue.run(() => this._disappearing.sweep());
  }
  /** Case-insensitive search over stored text, newest first, paged. */
  searchMessages(query: string, opts?: SearchOptions): Promise<SearchPage> {
    return searchMessages(this._ctx.storage, query, opts);
  }
  /** When the contact was last seen going offline, as far as the presence they share tells. */
  lastSeen(peer: string): number | undefined {
    return this._presence.lastSeen(peer);
  }

  private _op(fn: () => Promise<void>): Promise<void> {
    this._requireIdentity();
    return this._queue.run(async () => {
      await fn();
      await this._outbox.flush();
    });
  }

  // ---- contacts, privacy, presence ------------------------------------------------------------

  /** Blocks on every device of mine; they are not told, and nothing of theirs reaches me. */
  block(id: string): Promise<void> {
    const peer = parseSessionId(id);
    return this._queue.run(() => this._contacts.block(peer));
  }
  /** Lifts a block (a signed unblock); a contact gets a fresh grant and can reach me again. */
  unblock(id: string): Promise<void> {
    const peer = parseSessionId(id);
    return this._queue.run(() => this._contacts.unblock(peer));
  }

  /** My display name: to my other devices (account document) and my contacts (a profile body each). */
  setDisplayName(name: string): Promise<void> {
    const n = checkText('displayName', name, 128);
    return this._queue.run(() => this._contacts.setDisplayName(n));
  }
  async getDisplayName(): Promise<string | undefined> {
    return (await this._contacts.sync.doc()).profile.displayName?.v;
  }
  /** Every device of this identity the account document knows (label, last seen, this one marked). */
  getDevices(): ReturnType<Contacts['devices']> {
    return this._contacts.devices();
  }
  setDeviceLabel(label: string): Promise<void> {
    const l = checkText('label', label, 64);
    return this._queue.run(() => this._contacts.setDeviceLabel(l));
  }

  /** Stored here and in the account document, so my other devices follow. */
  setPrivacy(change: Partial<Settings>): Promise<Settings> {
    return this._queue.run(async () => {
      const next = await this._applyPrivacy(change);
      await this._contacts.setPrivacy(next);
      return next;
    });
  }

  get settings(): Settings {
    return { ...this._settings };
  }

  /** Asks for the presence of ids; the server answers only for those whose grant I hold. */
  watchPresence(ids: readonly string[]): void {
    this._presence.subscribe(ids.map((id) => parseSessionId(id)));
  }

  isOnline(peer: string): boolean {
    return this._presence.isOnline(peer);
  }
  isTyping(peer: string): boolean {
    return this._typing.isTyping(peer);
  }

  // ---- Web Push (client/push.ts) ----
  /** The server's VAPID public key (applicationServerKey) once connected; undefined when it sends no push. */
  get pushPublicKey(): string | undefined {
    return this._push.vapidKey;
  }
  /** Registers this device's PushSubscription (its toJSON()); kept registered across reconnects. */
  registerPush(sub: PushSubscriptionInput): Promise<void> {
    return this._push.register(sub);
  }
  /** Removes this device's push subscription from the server. */
  unregisterPush(): Promise<void> {
    return this._push.unregister();
  }

  // ---- history: backup file (client/backup.ts), from a sibling (client/historyTransfer.ts) ----
  /** This device's conversations and messages as an encrypted backup file (key from the phrase). */
  exportBackup = (): Promise<Uint8Array> => this._queue.run(() => exportBackup(this._ctx));
  /** Merges a backup made by this identity in one storage write; a BackupError (code) changes nothing. */
  importBackup = (file: Uint8Array): Promise<MergeResult> => this._queue.run(() => this._history.importBackup(file));
  /** Asks my other online devices for history (again: from where the last transfer stopped); the request id. */
  requestHistory = (): Promise<string> => this._queue.run(() => this._history.request());
  /** As the last historyProgress event of this device's own request said, else of its last answer. */
  get historyProgress(): HistoryProgressEvent | undefined {
    return this._history.progress;
  }

  // ---- reads ----------------------------------------------------------------------------------

  getContacts(): Promise<Contact[]> {
    return this._ctx.storage.listContacts();
  }
  getContact(id: string): Promise<Contact | undefined> {
    return this._ctx.storage.getContact(id);
  }
  getConversations(): Promise<Conversation[]> {
    return this._ctx.storage.listConversations();
  }
  async getConversation(peer: string, opts?: ListMessagesOptions): Promise<ConversationView> {
    const [c, messages] = await Promise.all([this._ctx.storage.getConversation(peer), this._ctx.storage.listMessages(peer, opts)]);
    return { peer, lastSeq: 0, unread: 0, ...c, messages };
  }
  getMessages(peer: string, opts?: ListMessagesOptions): Promise<StoredMessage[]> {
    return this._ctx.storage.listMessages(peer, opts);
  }
  getMessage(id: string): Promise<StoredMessage | undefined> {
    return this._ctx.storage.getMessage(id);
  }
  getInvitations(): Promise<InvitationRecord[]> {
    return this._ctx.storage.listInvitations();
  }
  getOutbox(): Promise<OutboxItem[]> {
    return this._ctx.storage.listOutbox();
  }
  /** Resolves when every queued task (incoming frames, app calls) has been processed. */
  idle(): Promise<void> {
    return this._queue.idle();
  }
}
