// The SDK's persistent state, behind one small async, key-oriented interface. Every method maps to
// one IndexedDB object store (named in brackets) and a get/put/delete/cursor on it, so the
// IndexedDbStorage (idb) implements it without loss; MemoryStorage is the Node/test one.
// Records are plain structured-cloneable data (Uint8Array allowed, no classes, no functions).
// Implementations return copies: mutating a returned record never changes what is stored.
import type { Grant, InvitationStatus, Revocation } from '../protocol/index.ts';
import type { AccountState } from './accountSync.ts';

/** [meta] 'identity'. The secret: 16 bytes of entropy (the phrase) and this install's device id. */
export interface StoredIdentity {
  readonly entropy: Uint8Array;
  /** 32 lowercase hex characters; random per install, not secret. */
  readonly deviceId: string;
  readonly createdAt: number;
}

/** [meta] 'settings'. Privacy toggles; all true by default. */
export interface Settings {
  /** Let contacts see when I am online (false → auth.hidePresence). */
  readonly sharePresence: boolean;
  /** Send typing indicators. */
  readonly shareTyping: boolean;
  /** Send read receipts to contacts (my own devices are always told). */
  readonly sendReadReceipts: boolean;
}

export const DEFAULT_SETTINGS: Settings = { sharePresence: true, shareTyping: true, sendReadReceipts: true };

/** [meta] 'cursor'. Position in my mailbox stream: everything up to offset was processed. */
export interface StreamCursor {
  readonly epoch: string;
  readonly offset: number;
}

export type ContactState = 'accepted' | 'blocked';

/** [contacts] keyed by sessionId. */
export interface Contact {
  readonly sessionId: string;
  /** How they introduced themselves (invitation or profile body). */
  displayName?: string;
  state: ContactState;
  /** The grant they gave me ("they accept envelopes from me"): presented in every auth. */
  heldGrant?: Grant;
  /** Expiry of the latest grant I gave them; renewed when less than 10 days remain. */
  issuedGrantExp?: number;
  /** My block of them: re-presented in every auth. */
  revocation?: Revocation;
  createdAt: number;
  updatedAt: number;
}

export type MessageDirection = 'in' | 'out';
/** Outgoing only. Rank queued < sent < delivered < read; failed is beside the line (see status.ts). */
export type MessageStatus = 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

/** [messages] keyed by id; index [peer, seq]. */
export interface StoredMessage {
  readonly id: string;
  /** The other party of the conversation (recipient of an outgoing message, sender of an incoming one). */
  readonly peer: string;
  readonly direction: MessageDirection;
  readonly content: string;
  readonly messageType: string;
  /** The sender's timestamp (from the encrypted body). */
  readonly sentAt: number;
  /** When this device stored it. */
  readonly storedAt: number;
  /** Local order, unique and increasing on this device: conversations list by it. */
  readonly seq: number;
  /** Outgoing: delivery status. */
  status?: MessageStatus;
  /** Outgoing, status failed: the error code. */
  failureReason?: string;
  /** Incoming: I have read it (here or on another of my devices). */
  read: boolean;
  // ---- conversation features (client/conversationOps.ts) ----
  /** A reply: the message it answers and a short quote of it. */
  replyTo?: { readonly id: string; readonly quote: string };
  /** Emoji → Session IDs that reacted with it (one each). */
  reactions?: Record<string, string[]>;
  /** Edited by its author at this time (the sender's clock); the newest edit wins. */
  editedAt?: number;
  /** Deleted for everyone by its author: a tombstone, content emptied. */
  deleted?: true;
  /** Disappearing: removed from storage by the sweep at this time (sentAt + the timer). */
  expiresAt?: number;
  /** messageType "attachment": the file (client/attachments.ts); id is "" until its upload is done. */
  attachment?: StoredAttachment;
}

/** An attachment as stored with its message (the body's reference, its id empty while uploading). */
export interface StoredAttachment {
  readonly id: string;
  readonly key: string;
  readonly digest: string;
  readonly size: number;
  readonly mime: string;
  readonly name: string;
  readonly thumbnail?: string;
  readonly width?: number;
  readonly height?: number;
  readonly duration?: number;
  readonly waveform?: number[];
}

/** [conversations] keyed by peer. */
export interface Conversation {
  readonly peer: string;
  lastMessageId?: string;
  /** seq of the latest message. */
  lastSeq: number;
  /** Incoming messages not yet read. */
  unread: number;
  /** No notifications for it (on all my devices). */
  muted?: boolean;
  /** Disappearing-messages timer agreed with the peer (ms); absent or 0: off. */
  disappearMs?: number;
  /** Sender's time of the timer setting in force (the newest setting wins). */
  disappearSetAt?: number;
}

export type InvitationDirection = 'incoming' | 'outgoing';
/** Server statuses, plus 'failed' for an outgoing invitation the server refused (see reason). */
export type LocalInvitationStatus = InvitationStatus | 'failed';
export type InvitationOp = 'invite' | 'accept' | 'decline' | 'cancel';

/** [invitations] keyed by id. */
export interface InvitationRecord {
  readonly id: string;
  readonly direction: InvitationDirection;
  /** The other party: invitee of an outgoing invitation, inviter of an incoming one. */
  readonly peer: string;
  /** The inviter's display name and note (unknown for an outgoing one sent by another of my devices). */
  displayName?: string;
  message?: string;
  status: LocalInvitationStatus;
  /** Error code when failed. */
  reason?: string;
  /** The inviter's grant (inviter → invitee). */
  grant?: Grant;
  /** The invitee's grant (invitee → inviter) once accepted, or the one this device is sending. */
  responseGrant?: Grant;
  /** Incoming, accepting: the display name to tell the inviter once the accept is through. */
  introduceAs?: string;
  /** Outgoing: the sealed invite body, re-sent unchanged. */
  ct?: string;
  /**
   * A re-invitation (regrant) of an accepted contact whose grants lapsed: asked and accepted by the
   * SDK on its own, never shown as a request (docs/client.md "Restore after every grant lapsed").
   */
  renew?: boolean;
  /** Outgoing renew: the invitee's own earlier grant to me, the proof the server asks for. */
  proof?: Grant;
  /**
   * Outgoing, refused as INVITE_DUPLICATE: my identity's pending invitation to this peer is another
   * one (another of my devices sent it), whose outcome this record takes (invitations.ts onError).
   */
  duplicate?: boolean;
  /** A request this device still has to get acknowledged by the server. */
  pendingOp?: InvitationOp;
  /** Retries of pendingOp (client/pending.ts): tries so far, the last retryable refusal, not before when. */
  opAttempts?: number;
  opLastError?: string;
  opNextAt?: number;
  createdAt: number;
  expiresAt: number;
  updatedAt: number;
}

export type OutboxKind = 'msg' | 'sync' | 'receipt' | 'read_sync' | 'grant' | 'profile' | 'sync_request' | 'contacts' | 'history' | 'op';
/**
 * pending: to be sent (again) when connected, at nextAttemptAt if set; sent: the server stored it,
 * kept until `delivered` so it can be re-sent if the server loses its memory; failed: refused with
 * a code that retrying will not fix, waiting for the user's retry.
 */
export type OutboxState = 'pending' | 'sent' | 'failed';

/** [outbox] keyed by id (the envelope id); index seq. */
export interface OutboxItem {
  readonly id: string;
  readonly to: string;
  readonly kind: OutboxKind;
  /** JSON body, sealed afresh for each attempt (the server dedupes by id, receivers by message id). */
  readonly body: string;
  /** The message whose status this envelope drives (kind 'msg'). */
  readonly messageId?: string;
  readonly seq: number;
  readonly createdAt: number;
  state: OutboxState;
  attempts: number;
  lastError?: string;
  nextAttemptAt?: number;
  sentAt?: number;
}

export interface ListMessagesOptions {
  /** At most this many, the latest ones (still returned in ascending seq). */
  limit?: number;
  /** Only messages with seq < beforeSeq (paging back). */
  beforeSeq?: number;
}

/**
 * One write of a batch (Storage.write). A user action or an incoming entry that changes several
 * records hands them all to one write, so a tab closed half-way leaves all of them or none.
 */
export type StorageWrite =
  | { readonly store: 'contacts'; readonly put: Contact }
  | { readonly store: 'messages'; readonly put: StoredMessage }
  | { readonly store: 'conversations'; readonly put: Conversation }
  | { readonly store: 'invitations'; readonly put: InvitationRecord }
  | { readonly store: 'outbox'; readonly put: OutboxItem }
  | { readonly store: 'contacts' | 'outbox' | 'messages' | 'conversations'; readonly delete: string }
  | { readonly store: 'meta'; readonly key: 'identity'; readonly put: StoredIdentity }
  | { readonly store: 'meta'; readonly key: 'settings'; readonly put: Settings }
  | { readonly store: 'meta'; readonly key: 'cursor'; readonly put: StreamCursor }
  | { readonly store: 'meta'; readonly key: 'account'; readonly put: AccountState };

export interface Storage {
  /** Applies every write, in order, or none of them (one IndexedDB transaction); rejects if none. */
  write(writes: readonly StorageWrite[]): Promise<void>;

  getIdentity(): Promise<StoredIdentity | undefined>;
  setIdentity(identity: StoredIdentity): Promise<void>;
  getSettings(): Promise<Settings | undefined>;
  setSettings(settings: Settings): Promise<void>;
  getCursor(): Promise<StreamCursor | undefined>;
  setCursor(cursor: StreamCursor): Promise<void>;
  /** [meta] 'account': this device's copy of the account document (accountSync.ts). */
  getAccount(): Promise<AccountState | undefined>;

  getContact(sessionId: string): Promise<Contact | undefined>;
  putContact(contact: Contact): Promise<void>;
  deleteContact(sessionId: string): Promise<void>;
  listContacts(): Promise<Contact[]>;

  getMessage(id: string): Promise<StoredMessage | undefined>;
  putMessage(message: StoredMessage): Promise<void>;
  /** One conversation's messages in ascending seq. */
  listMessages(peer: string, opts?: ListMessagesOptions): Promise<StoredMessage[]>;

  getConversation(peer: string): Promise<Conversation | undefined>;
  putConversation(conversation: Conversation): Promise<void>;
  /** Most recent activity (lastSeq) first. */
  listConversations(): Promise<Conversation[]>;

  getInvitation(id: string): Promise<InvitationRecord | undefined>;
  putInvitation(invitation: InvitationRecord): Promise<void>;
  /** Newest (createdAt) first. */
  listInvitations(): Promise<InvitationRecord[]>;

  getOutboxItem(id: string): Promise<OutboxItem | undefined>;
  putOutboxItem(item: OutboxItem): Promise<void>;
  deleteOutboxItem(id: string): Promise<void>;
  /** Ascending seq: the order things were said in. */
  listOutbox(): Promise<OutboxItem[]>;

  /** Forgets everything, identity included. */
  clear(): Promise<void>;
}
