// Public entry of the client SDK: framework-free, runs unchanged in browsers and Node.
export { MessengerClient } from './messengerClient.ts';
export type { ConversationView, MessengerClientOptions } from './options.ts';
export { MemoryStorage } from './memoryStorage.ts';
export {
  DEFAULT_SETTINGS,
  type Contact,
  type ContactState,
  type Conversation,
  type InvitationDirection,
  type InvitationOp,
  type InvitationRecord,
  type ListMessagesOptions,
  type LocalInvitationStatus,
  type MessageDirection,
  type MessageStatus,
  type OutboxItem,
  type OutboxKind,
  type OutboxState,
  type Settings,
  type Storage,
  type StoredIdentity,
  type StoredAttachment,
  type StorageWrite,
  type StoredMessage,
  type StreamCursor,
} from './storage.ts';
export type {
  ClientEvents,
  ConnectionEvent,
  ConversationEvent,
  InvitationUpdateEvent,
  PresenceEvent,
  ReadEvent,
  RemovedEvent,
  RemovedReason,
  StatusEvent,
  TypingEvent,
} from './events.ts';
export { backoffDelay, type BackoffOptions } from './backoff.ts';
export { advanceStatus } from './status.ts';
export { Emitter, type Listener } from './emitter.ts';
export {
  LOCAL_CLOSE,
  type ConnectionState,
  type NetworkEvents,
  type StateChange,
  type WebSocketConstructor,
  type WebSocketLike,
} from './connection.ts';
export type { TimerHandle } from './runtime.ts';
export type { PushSubscriptionInput } from './push.ts';
export { openPushPayload, type OpenedPush, type PushNotice } from './pushPayload.ts';
export { IndexedDbStorage, type IndexedDbStorageOptions } from './indexedDbStorage.ts';
export { BackupError, BACKUP_ERRORS, type BackupErrorCode } from '../protocol/backup.ts';
export type { MergeResult } from './backup.ts';
export type { HistoryProgressEvent } from './historyTransfer.ts';
export { DEFAULT_CACHE_BYTES, IndexedDbAttachmentCache, MemoryAttachmentCache, type AttachmentCache } from './attachmentCache.ts';
export { AttachmentError, type AttachmentProgressEvent, type SendAttachmentInput } from './attachments.ts';
export type { AttachmentRef } from './body.ts';
export { DELETE_FOR_EVERYONE_MS, FeatureError, isTimerAllowed, type FeatureErrorCode } from './conversationOps.ts';
export { MAX_DISAPPEAR_MS, MAX_QUOTE_CHARS, MIN_DISAPPEAR_MS } from './body.ts';
export type { SearchOptions, SearchPage } from './search.ts';
