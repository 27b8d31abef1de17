// The SDK's front door (DESIGN.md "Client SDK"). It owns the connection and the serial queue, wires
// the parts together, and is the only place where app calls and server frames meet.
import {
  createIdentity as newIdentity,
  identityFromEntropy,
  identityFromPhrase,
  parseSessionId,
  parseUserSessionId,
  phraseFromIdentity,
  randomId,
  type ClientFrame,
  type Identity,
  type Limits,
  type ServerFrame,
} from '../protocol/index.ts';
import { MemoryAttachmentCache } from './attachmentCache.ts';
import { Attachments, httpBaseOf, type SendAttachmentInput } from './attachments.ts';
import { atomically, type Batch } from './batch.ts';
import { exportBackup, type MergeResult } from './backup.ts';
import { MAX_CONTENT_CHARS } from './body.ts';
import { Connection, LOCAL_CLOSE, type ConnectionState, type ReadyInfo, type StateChange, type WebSocketConstructor } from './connection.ts';
import { Contacts } from './contacts.ts';
import { ConversationOps } from './conversationOps.ts';
import { Disappearing } from './disappearing.ts';
import { searchMessages, type SearchOptions, type SearchPage } from './search.ts';
import { checkContentFits, maxContentBytes } from './contentLimit.ts';
import { Dispatcher } from './dispatch.ts';
import { report, type ClientContext } from './context.ts';
import { Emitter } from './emitter.ts';
import type { ClientEvents } from './events.ts';
import { HistoryTransfer, type HistoryProgressEvent } from './historyTransfer.ts';
import { Invitations } from './invitations.ts';
import { Messages } from './messages.ts';
import { Outbox } from './outbox.ts';
import { Presence } from './presence.ts';
import { PushRegistration, type PushSubscriptionInput } from './push.ts';
import { checkText, checkUrls, type ConversationView, type MessengerClientOptions } from './options.ts';
import { createRuntime, SerialQueue, type Runtime } from './runtime.ts';
import { DEFAULT_SETTINGS, type Contact, type Conversation, type InvitationRecord, type ListMessagesOptions, type OutboxItem, type Settings, type StoredMessage } from './storage.ts';
import { DEFAULT_STREAM, Stream } from './stream.ts';
import { DEFAULT_TYPING, Typing } from './typing.ts';

type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class MessengerClient extends Emitter<ClientEvents> {
  private _identity: Identity | undefined;
  private _deviceId: string | undefined;
  private _settings: Settings;
  private _limits: Limits | undefined;
  private _epochChanged = false;
  private _reported: ConnectionState = 'disconnected';
  private _lastSeq = 0;
  private _lastError: Error | undefined;
  private _waiters: Waiter[] = [];
  private readonly _rt: Runtime;
  private readonly _queue: SerialQueue;
  private readonly _conn: Connection;
  private readonly _ctx: ClientContext;
  private readonly _outbox: Outbox;
  private readonly _contacts: Contacts;
  private readonly _presence: Presence;
  private readonly _typing: Typing;
  private readonly _messages: Messages;
  private readonly _ops: ConversationOps;
  private readonly _disappearing: Disappearing;
  private readonly _invitations: Invitations;
  private readonly _stream: Stream;
  private readonly _dispatch: Dispatcher;
  private readonly _attachments: Attachments;
  /** Uploads a previous run left unfinished are picked up once, on the first ready. */
  private _uploadsResumed = false;
  private readonly _push: PushRegistration;
  private readonly _history: HistoryTransfer;

  static async create(opts: MessengerClientOptions): Promise<MessengerClient> {
    const urls = checkUrls(opts.url);
    const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!WS) throw new TypeError('WebSocket: this platform has none; pass options.WebSocket (in Node: the ws package)');
    const s = opts.storage;
    const [stored, settings, conversations, outbox] = await Promise.all([s.getIdentity(), s.getSettings(), s.listConversations(), s.listOutbox()]);
    const c = new MessengerClient(opts, urls, WS, stored ? identityFromEntropy(stored.entropy) : undefined, stored?.deviceId, { ...DEFAULT_SETTINGS, ...settings });
    // Local order continues after what is stored, even if the clock went back since.
    c._lastSeq = Math.max(0, conversations[0]?.lastSeq ?? 0, outbox.at(-1)?.seq ?? 0);
    return c;
  }

  private constructor(opts: MessengerClientOptions, urls: string[], WS: WebSocketConstructor, identity: Identity | undefined, deviceId: string | undefined, settings: Settings) {
    super((err, event) => (event === 'error' ? queueMicrotask(() => { throw err; }) : this.emit('error', err instanceof Error ? err : new Error(String(err)))));
    this._identity = identity;
    this._deviceId = deviceId;
    this._settings = settings;
    this._rt = createRuntime(opts);
    this._queue = new SerialQueue((err) => this.emit('error', err instanceof Error ? err : new Error(String(err))));
    this._conn = new Connection({
      urls,
      WebSocket: WS,
      runtime: this._rt,
      reconnect: { baseMs: 500, maxMs: 30_000, ...opts.reconnect },
      authenticate: (hello) => this._queue.run(() => this._dispatch.auth(hello.nonce, hello.limits, this._deviceId!)),
      network: opts.network,
      handshakeTimeoutMs: opts.handshakeTimeoutMs,
    });
    const ctx: ClientContext = (this._ctx = {
      storage: opts.storage,
      runtime: this._rt,
      events: this,
      identity: () => this._requireIdentity(),
      send: (frame: ClientFrame) => this._conn.send(frame),
      connected: () => this._conn.state === 'connected',
      gen: () => this._conn.gen,
      enqueue: (fn) => this._queue.enqueue(fn),
      nextSeq: () => (this._lastSeq = Math.max(this._rt.now(), this._lastSeq + 1)),
      limits: () => this._limits,
      settings: () => this._settings,
    });
    const retry = { baseMs: 1000, maxMs: 60_000, ...opts.retry };
    this._outbox = new Outbox(ctx, retry);
    this._presence = new Presence(ctx);
    this._contacts = new Contacts(ctx, this._outbox, {
      watch: (ids) => this._presence.subscribe(ids),
      unwatch: (ids) => this._presence.unsubscribe(ids),
      deviceId: () => this._deviceId!,
      privacy: (p) => this._queue.enqueue(() => this._applyPrivacy(p)),
    });
    this._typing = new Typing(ctx, { ...DEFAULT_TYPING, timeoutMs: opts.typingTimeoutMs ?? DEFAULT_TYPING.timeoutMs });
    this._ops = new ConversationOps(ctx, this._outbox);
    this._disappearing = new Disappearing(ctx);
    this._messages = new Messages(ctx, this._outbox, this._contacts, this._typing, this._ops, this._disappearing);
    // What expired while the app was closed goes before anything is read.
    this._queue.enqueue(() => this._disappearing.sweep());
    this._invitations = new Invitations(ctx, this._contacts, this._presence, this._outbox, retry);
    this._stream = new Stream(ctx, DEFAULT_STREAM);
    this._history = new HistoryTransfer(ctx, this._outbox, () => this._deviceId!, (seq) => (this._lastSeq = Math.max(this._lastSeq, seq)), opts.historyMaxMessages);
    this._messages.history = this._history;
    const fetchFn = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
    this._attachments = new Attachments(ctx, {
      messages: this._messages,
      outbox: this._outbox,
      cache: opts.attachmentCache ?? new MemoryAttachmentCache(),
      httpBase: () => httpBaseOf(this._conn.url),
      fetch: fetchFn,
    });
    this._push = new PushRegistration(ctx);
    this._dispatch = new Dispatcher(ctx, {
      attachments: this._attachments,
      push: this._push,
      outbox: this._outbox,
      contacts: this._contacts,
      presence: this._presence,
      messages: this._messages,
      invitations: this._invitations,
      stream: this._stream,
    });
    this._conn.on('state', (c) => this._onState(c));
    this._conn.on('ready', (info) => this._queue.enqueue(() => this._onReady(info)));
    this._conn.on('frame', ({ frame, gen }) => {
      // The account document is merged beside the queue (accountSync.ts is its own serial queue): an
      // envelope from a sender only the document knows waits in the queue for it.
      if (frame.type === 'account') void this._contacts.sync.onAccount(frame).catch((err: unknown) => report(this._ctx, err));
      else if (frame.type === 'account_changed') void this._contacts.sync.onChanged(frame).catch((err: unknown) => report(this._ctx, err));
      else this._queue.enqueue(() => this._onFrame(frame, gen));
    });
    this._conn.on('error', (err) => {
      this._lastError = err;
      this.emit('error', err);
    });
  }

  // ---- identity -------------------------------------------------------------------------------

  get hasIdentity(): boolean {
    return this._identity !== undefined;
  }
  get sessionId(): string | undefined {
    return this._identity?.sessionId;
  }
  get deviceId(): string | undefined {
    return this._deviceId;
  }

  /** A new identity for this storage: its Session ID and the 12-word phrase to write down. */
  async createIdentity(): Promise<{ sessionId: string; phrase: string }> {
    if (this._identity) throw new Error('createIdentity: this storage already holds an identity');
    const identity = newIdentity();
    await this._adopt(identity);
    return { sessionId: identity.sessionId, phrase: phraseFromIdentity(identity) };
  }

  /** The identity behind a phrase, on this device (a new deviceId: another device of the same person). */
  async restoreIdentity(phrase: string): Promise<{ sessionId: string }> {
    const identity = identityFromPhrase(phrase);
    if (this._identity) {
      if (this._identity.sessionId !== identity.sessionId) throw new Error('restoreIdentity: this storage holds another identity');
      return { sessionId: identity.sessionId };
    }
    // Contacts, blocks and names come with the account document, fetched at every connect.
    await this._adopt(identity);
    return { sessionId: identity.sessionId };
  }

  recoveryPhrase(): string {
    return phraseFromIdentity(this._requireIdentity());
  }

  private async _adopt(identity: Identity, alsoStore?: (b: Batch) => void): Promise<void> {
    const deviceId = randomId();
    await atomically(this._ctx, (b) => {
      b.setIdentity({ entropy: identity.entropy, deviceId, createdAt: this._rt.now() });
      alsoStore?.(b);
    });
    this._identity = identity;
    this._deviceId = deviceId;
  }

  private _requireIdentity(): Identity {
    if (!this._identity) throw new Error('no identity: call createIdentity() or restoreIdentity(phrase) first');
    return this._identity;
  }

  // ---- connection -----------------------------------------------------------------------------

  get connectionState(): ConnectionState {
    return this._reported;
  }
  /** The last ready found the server's epoch changed (it restarted and lost its mailboxes). */
  get epochChanged(): boolean {
    return this._epochChanged;
  }

  /** Connects and stays connected until disconnect(). Resolves once connected; idempotent. */
  connect(): Promise<void> {
    this._requireIdentity();
    const p = new Promise<void>((resolve, reject) => {
      if (this._reported === 'connected') resolve();
      else this._waiters.push({ resolve, reject });
    });
    p.catch(() => undefined); // a caller that does not await must not see an unhandled rejection
    this._lastError = undefined;
    this._conn.connect();
    return p;
  }

  /** Closes the socket and stops reconnecting; resolves when pending work is stored. */
  async disconnect(): Promise<void> {
    this._conn.disconnect(LOCAL_CLOSE.NORMAL, 'client disconnect', false);
    await this._queue.run(() => this._stream.save());
  }

  private _onState(c: StateChange): void {
    if (c.newState === 'connected') return; // told once the ready is processed (with epochChanged)
    if (c.oldState === 'connected' || c.oldState === 'authenticating') this._contacts.sync.onDisconnected();
    if (c.oldState === 'connected') {
      this._typing.stop();
      this._presence.reset();
      this._outbox.stop();
      this._invitations.stop();
      this._stream.stop();
      this._attachments.stop();
    }
    this._report({ oldState: this._reported, newState: c.newState, reason: c.reason, code: c.code });
    if (c.newState === 'disconnected') {
      const err = this._lastError ?? new Error(`disconnected: ${c.reason ?? 'client disconnect'}`);
      for (const w of this._waiters.splice(0)) w.reject(err);
    }
  }

  private _report(e: { oldState: ConnectionState; newState: ConnectionState; reason?: string | undefined; code?: number | undefined; epochChanged?: boolean }): void {
    this._reported = e.newState;
    const ev = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as ClientEvents['connection'];
    this.emit('connection', ev);
  }

  private async _onReady(info: ReadyInfo): Promise<void> {
    const live = (): boolean => info.gen === this._conn.gen && this._conn.state === 'connected';
    if (!live()) return;
    this._limits = info.hello.limits;
    const changed = await this._dispatch.onReady(info);
    if (changed) this._epochChanged = true;
    else if (info.ready.resumed) this._epochChanged = false;
    if (!live()) return;
    if (!this._uploadsResumed) {
      this._uploadsResumed = true;
      await this._attachments.resumePending();
    }
    this._report({ oldState: this._reported, newState: 'connected', epochChanged: changed });
    for (const w of this._waiters.splice(0)) w.resolve();
  }

  private async _onFrame(frame: ServerFrame, gen: number): Promise<void> {
    try {
      await this._dispatch.onFrame(frame, gen);
    } catch (err) {
      // Storage failed mid-entry: acknowledging later entries would skip this one for good, so
      // drop the socket and resume from the saved cursor.
      report(this._ctx, err);
      if (gen === this._conn.gen) this._conn.reconnect(LOCAL_CLOSE.PROCESSING_FAILED, 'processing failed');
    }
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
  downloadAttachment(ref: NonNullable<StoredMessage['attachment']>, opts?: { onProgress?: (got: number, total: number) => void; signal?: AbortSignal }): Promise<Uint8Array> {
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
  async getDisplayName(): Promise<string | undefined> { return (await this._contacts.sync.doc()).profile.displayName?.v; }
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

  private async _applyPrivacy(change: Partial<Settings>): Promise<Settings> {
    const before = this._settings;
    const pick = (k: keyof Settings): boolean => (typeof change[k] === 'boolean' ? change[k] : before[k]);
    const next: Settings = { sharePresence: pick('sharePresence'), shareTyping: pick('shareTyping'), sendReadReceipts: pick('sendReadReceipts') };
    await this._ctx.storage.setSettings(next);
    this._settings = next;
    if (next.sharePresence !== before.sharePresence) this._conn.send({ type: 'privacy', hidePresence: !next.sharePresence });
    return { ...next };
  }

  get settings(): Settings { return { ...this._settings }; }

  /** Asks for the presence of ids; the server answers only for those whose grant I hold. */
  watchPresence(ids: readonly string[]): void {
    this._presence.subscribe(ids.map((id) => parseSessionId(id)));
  }

  isOnline(peer: string): boolean { return this._presence.isOnline(peer); }
  isTyping(peer: string): boolean { return this._typing.isTyping(peer); }

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

  getContacts(): Promise<Contact[]> { return this._ctx.storage.listContacts(); }
  getContact(id: string): Promise<Contact | undefined> { return this._ctx.storage.getContact(id); }
  getConversations(): Promise<Conversation[]> { return this._ctx.storage.listConversations(); }
  async getConversation(peer: string, opts?: ListMessagesOptions): Promise<ConversationView> {
    const [c, messages] = await Promise.all([this._ctx.storage.getConversation(peer), this._ctx.storage.listMessages(peer, opts)]);
    return { peer, lastSeq: 0, unread: 0, ...c, messages };
  }
  getMessages(peer: string, opts?: ListMessagesOptions): Promise<StoredMessage[]> { return this._ctx.storage.listMessages(peer, opts); }
  getMessage(id: string): Promise<StoredMessage | undefined> { return this._ctx.storage.getMessage(id); }
  getInvitations(): Promise<InvitationRecord[]> { return this._ctx.storage.listInvitations(); }
  getOutbox(): Promise<OutboxItem[]> { return this._ctx.storage.listOutbox(); }
  /** Resolves when every queued task (incoming frames, app calls) has been processed. */
  idle(): Promise<void> {
    return this._queue.idle();
  }
}
