// The SDK's core: identity, the connection and the serial queue, and the wiring of the parts; the
// feature calls an app makes are on MessengerClient (messengerClient.ts), its subclass.
import {
  createIdentity as newIdentity,
  identityFromPhrase,
  phraseFromIdentity,
  randomId,
  type ClientFrame,
  type Identity,
  type Limits,
  type ServerFrame,
} from '../protocol/index.ts';
import { MemoryAttachmentCache } from './attachmentCache.ts';
import { Attachments, httpBaseOf } from './attachments.ts';
import { atomically, type Batch } from './batch.ts';
import {
  Connection,
  LOCAL_CLOSE,
  type ConnectionState,
  type ReadyInfo,
  type StateChange,
  type WebSocketConstructor,
} from './connection.ts';
import { Contacts } from './contacts.ts';
import { ConversationOps } from './conversationOps.ts';
import { Disappearing } from './disappearing.ts';
import { Dispatcher } from './dispatch.ts';
import { report, type ClientContext } from './context.ts';
import { Emitter } from './emitter.ts';
import type { ClientEvents } from './events.ts';
import { HistoryTransfer } from './historyTransfer.ts';
import { Invitations } from './invitations.ts';
import { Messages } from './messages.ts';
import { Outbox } from './outbox.ts';
import { Presence } from './presence.ts';
import { PushRegistration } from './push.ts';
import { type MessengerClientOptions } from './options.ts';
import { createRuntime, SerialQueue, type Runtime } from './runtime.ts';
import { type Settings } from './storage.ts';
import { ScheduledPass } from './scheduledPass.ts';
import { DEFAULT_STREAM, Stream } from './stream.ts';
import { DEFAULT_TYPING, Typing } from './typing.ts';

type Waiter = { resolve: () => void; reject: (e: Error) => void };

export abstract class ClientCore extends Emitter<ClientEvents> {
  protected _identity: Identity | undefined;
  protected _deviceId: string | undefined;
  protected _settings: Settings;
  protected _limits: Limits | undefined;
  protected _epochChanged = false;
  protected _reported: ConnectionState = 'disconnected';
  protected _lastSeq = 0;
  protected _lastError: Error | undefined;
  protected _waiters: Waiter[] = [];
  protected readonly _rt: Runtime;
  protected readonly _queue: SerialQueue;
  protected readonly _conn: Connection;
  protected readonly _ctx: ClientContext;
  protected readonly _outbox: Outbox;
  protected readonly _contacts: Contacts;
  protected readonly _presence: Presence;
  protected readonly _typing: Typing;
  protected readonly _messages: Messages;
  protected readonly _ops: ConversationOps;
  protected readonly _disappearing: Disappearing;
  protected readonly _invitations: Invitations;
  protected readonly _renewals: ScheduledPass;
  protected readonly _regrants: ScheduledPass;
  protected readonly _stream: Stream;
  protected readonly _dispatch: Dispatcher;
  protected readonly _attachments: Attachments;
  /** Uploads a previous run left unfinished are picked up once, on the first ready. */
  protected _uploadsResumed = false;
  protected readonly _push: PushRegistration;
  protected readonly _history: HistoryTransfer;

  protected constructor(
    opts: MessengerClientOptions,
    urls: string[],
    WS: WebSocketConstructor,
    identity: Identity | undefined,
    deviceId: string | undefined,
    settings: Settings,
  ) {
    super((err, event) =>
      event === 'error'
        ? queueMicrotask(() => {
            throw err;
          })
        : this.emit('error', err instanceof Error ? err : new Error(String(err))),
    );
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
      authenticate: (hello, url) => this._queue.run(() => this._dispatch.auth(hello, url, this._deviceId!)),
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
    this._invitations = new Invitations(ctx, this._contacts, this._outbox, retry);
    // A grant (new contact, renewal on a sibling, block or unblock) changes a contact record.
    this._renewals = new ScheduledPass(ctx, {
      run: () => this._contacts.renewGrants(),
      dueAt: (now) => this._contacts.renewalCheckAt(now),
      events: ['contact'],
    });
    // Also an invitation of mine answered, expired or refused.
    this._regrants = new ScheduledPass(ctx, {
      run: () => this._invitations.regrantLapsed(),
      dueAt: (now) => this._invitations.regrantCheckAt(now),
      events: ['contact', 'invitation', 'invitationUpdate'],
    });
    this._stream = new Stream(ctx, DEFAULT_STREAM);
    this._history = new HistoryTransfer(
      ctx,
      this._outbox,
      () => this._deviceId!,
      (seq) => (this._lastSeq = Math.max(this._lastSeq, seq)),
      opts.historyMaxMessages,
    );
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
      renewals: this._renewals,
      regrants: this._regrants,
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

  protected async _adopt(identity: Identity, alsoStore?: (b: Batch) => void): Promise<void> {
    const deviceId = randomId();
    await atomically(this._ctx, (b) => {
      b.setIdentity({ entropy: identity.entropy, deviceId, createdAt: this._rt.now() });
      alsoStore?.(b);
    });
    this._identity = identity;
    this._deviceId = deviceId;
  }

  protected _requireIdentity(): Identity {
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

  protected _onState(c: StateChange): void {
    if (c.newState === 'connected') return; // told once the ready is processed (with epochChanged)
    if (c.oldState === 'connected' || c.oldState === 'authenticating') this._contacts.sync.onDisconnected();
    if (c.oldState === 'connected') {
      this._typing.stop();
      this._presence.reset();
      this._outbox.stop();
      this._invitations.stop();
      this._renewals.stop();
      this._regrants.stop();
      this._stream.stop();
      this._attachments.stop();
    }
    this._report({ oldState: this._reported, newState: c.newState, reason: c.reason, code: c.code });
    if (c.newState === 'disconnected') {
      const err = this._lastError ?? new Error(`disconnected: ${c.reason ?? 'client disconnect'}`);
      for (const w of this._waiters.splice(0)) w.reject(err);
    }
  }

  protected _report(e: {
    oldState: ConnectionState;
    newState: ConnectionState;
    reason?: string | undefined;
    code?: number | undefined;
    epochChanged?: boolean;
  }): void {
    this._reported = e.newState;
    const ev = Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as ClientEvents['connection'];
    this.emit('connection', ev);
  }

  protected async _onReady(info: ReadyInfo): Promise<void> {
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

  protected async _onFrame(frame: ServerFrame, gen: number): Promise<void> {
    try {
      await this._dispatch.onFrame(frame, gen);
    } catch (err) {
      // Storage failed mid-entry: acknowledging later entries would skip this one for good, so
      // drop the socket and resume from the saved cursor.
      report(this._ctx, err);
      if (gen === this._conn.gen) this._conn.reconnect(LOCAL_CLOSE.PROCESSING_FAILED, 'processing failed');
    }
  }

  protected async _applyPrivacy(change: Partial<Settings>): Promise<Settings> {
    const before = this._settings;
    const pick = (k: keyof Settings): boolean => (typeof change[k] === 'boolean' ? change[k] : before[k]);
    const next: Settings = {
      sharePresence: pick('sharePresence'),
      shareTyping: pick('shareTyping'),
      sendReadReceipts: pick('sendReadReceipts'),
    };
    await this._ctx.storage.setSettings(next);
    this._settings = next;
    if (next.sharePresence !== before.sharePresence) this._conn.send({ type: 'privacy', hidePresence: !next.sharePresence });
    return { ...next };
  }
}
