// What the SDK tells the app. Payloads are plain data; records are copies of what is stored.
import type { AttachmentProgressEvent } from './attachments.ts';
import type { ConnectionState } from './connection.ts';
import type { HistoryProgressEvent } from './historyTransfer.ts';
import type {
  Contact,
  Conversation,
  InvitationDirection,
  InvitationRecord,
  LocalInvitationStatus,
  MessageStatus,
  StoredMessage,
} from './storage.ts';

export interface StatusEvent {
  /** Message id. */
  readonly id: string;
  readonly peer: string;
  readonly status: MessageStatus;
  /** Error code when failed. */
  readonly reason?: string;
  /** Failed, but refused for now only: the SDK sends it again by itself (retryAfterMs, backoff). */
  readonly retrying?: true;
  /** The message as stored with this status: no need to read it again. */
  readonly message: StoredMessage;
}

export interface TypingEvent {
  readonly peer: string;
  readonly isTyping: boolean;
}

export interface PresenceEvent {
  readonly peer: string;
  readonly online: boolean;
  /** Going offline as the server told it (the contact shares presence): when. Not on a lost socket. */
  readonly lastSeen?: number;
}

/** Why message content left storage (conversationOps.ts): the app drops any cached attachment bytes. */
export type RemovedReason = 'hide' | 'unsend' | 'expired' | 'chat';
export interface RemovedEvent {
  readonly peer: string;
  readonly ids: readonly string[];
  readonly reason: RemovedReason;
}

export interface ConnectionEvent {
  readonly oldState: ConnectionState;
  readonly newState: ConnectionState;
  readonly reason?: string;
  readonly code?: number;
  /** On connected: the server's epoch differs from the stored one (it lost its memory). */
  readonly epochChanged?: boolean;
}

export interface InvitationUpdateEvent {
  readonly id: string;
  readonly peer: string;
  readonly direction: InvitationDirection;
  readonly status: LocalInvitationStatus;
  readonly reason?: string;
  readonly invitation: InvitationRecord;
}

export interface ReadEvent {
  readonly peer: string;
  /** Incoming message ids now marked read (on this device or another of mine). */
  readonly ids: readonly string[];
  /** Those messages as now stored. */
  readonly messages: readonly StoredMessage[];
}

/** A conversation record changed (a message in or out, messages read). */
export interface ConversationEvent {
  readonly conversation: Conversation;
  /** Its last message, when that is what changed it. */
  readonly last?: StoredMessage;
}

export interface ClientEvents {
  /** A new message stored: incoming, or outgoing from another of my devices. */
  message: StoredMessage;
  /** A new invitation: incoming, outgoing from this device (when created, before it is sent) or
   * from another of my devices. */
  invitation: InvitationRecord;
  invitationUpdate: InvitationUpdateEvent;
  status: StatusEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  connection: ConnectionEvent;
  contact: Contact;
  read: ReadEvent;
  /** An attachment's upload moved on (its message stays queued until state "done"). */
  attachmentProgress: AttachmentProgressEvent;
  /** The conversation's record as now stored: the chat list needs no read. */
  conversation: ConversationEvent;
  /** History moving from a sibling device: on the new device (receiving) and the sibling (sending). */
  historyProgress: HistoryProgressEvent;
  /** A stored message changed in place: a reaction, an edit, a tombstone (deleted for everyone). */
  messageUpdate: StoredMessage;
  /** Messages removed (deleted for me, expired, chat deleted: gone from storage) or emptied (unsend). */
  removed: RemovedEvent;
  /** Something failed that the SDK handled (a box that did not open, a refused request, …). */
  error: Error;
}
