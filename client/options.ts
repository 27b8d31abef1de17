// Options of MessengerClient.create and the checks on what app code passes in.
import type { AttachmentCache } from './attachmentCache.ts';
import type { BackoffOptions } from './backoff.ts';
import type { NetworkEvents, WebSocketConstructor } from './connection.ts';
import type { TimerHandle } from './runtime.ts';
import type { Conversation, Storage, StoredMessage } from './storage.ts';

export interface MessengerClientOptions {
  /** One WebSocket URL (ws(s)://host/ws) or several, tried in turn when one fails. */
  url: string | readonly string[];
  storage: Storage;
  /** Defaults to globalThis.WebSocket (browsers); in Node pass `WebSocket` from the ws package. */
  WebSocket?: WebSocketConstructor;
  clock?: () => number;
  /** Jitter only (never secrets). */
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => TimerHandle;
  clearTimeout?: (handle: TimerHandle) => void;
  /** Reconnect backoff (full jitter). Default { baseMs: 500, maxMs: 30000 }. */
  reconnect?: Partial<BackoffOptions>;
  /** Retry backoff for retryable refusals (MAILBOX_FULL, …). Default { baseMs: 1000, maxMs: 60000 }. */
  retry?: Partial<BackoffOptions>;
  /** An incoming "typing" with no "stop" expires after this. Default 6000. */
  typingTimeoutMs?: number;
  /** The browser's online/offline events; default window when present. null: none. */
  network?: NetworkEvents | null;
  handshakeTimeoutMs?: number;
  /** Messages a sibling sends per history request at most (historyTransfer.ts). Default 5000. */
  historyMaxMessages?: number;
  /** Where attachment bytes are kept; default a MemoryAttachmentCache (the web passes IndexedDbAttachmentCache). */
  attachmentCache?: AttachmentCache;
  /** For the blob HTTP API; default globalThis.fetch. */
  fetch?: typeof fetch;
}

export interface ConversationView extends Conversation {
  readonly messages: StoredMessage[];
}

export function checkUrls(url: string | readonly string[]): string[] {
  const urls = typeof url === 'string' ? [url] : [...url];
  if (urls.length === 0) throw new TypeError('url: expected at least one WebSocket URL');
  for (const u of urls)
    if (typeof u !== 'string' || !/^wss?:\/\/\S+$/.test(u))
      throw new TypeError(`url: expected a ws:// or wss:// URL, got ${JSON.stringify(u)}`);
  return urls;
}

export function checkText(name: string, v: unknown, max: number): string {
  if (typeof v !== 'string') throw new TypeError(`${name}: expected a string, got ${typeof v}`);
  if (v.length > max) throw new RangeError(`${name}: expected at most ${max} characters, got ${v.length}`);
  return v;
}
