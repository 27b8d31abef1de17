// What the views and models know of the SDK: types only, so the shell never pulls the SDK and its
// crypto into its own chunk. The code itself arrives with engine.ts (loadEngine).
import type * as EngineModule from './engine.ts';

export type Engine = typeof EngineModule;
export type { MessengerClient as Client } from '../../client/index.ts';
export type {
  ClientEvents,
  ConnectionState,
  Contact,
  ConversationEvent,
  HistoryProgressEvent,
  InvitationRecord,
  MessageStatus,
  Settings,
  StatusEvent,
  StoredMessage,
  StoredAttachment,
  AttachmentProgressEvent,
  SendAttachmentInput,
} from '../../client/index.ts';

let loading: Promise<Engine> | undefined;

/** Starts loading the SDK chunk once; every caller shares the same promise. */
export function loadEngine(): Promise<Engine> {
  return (loading ??= import('./engine.ts'));
}
