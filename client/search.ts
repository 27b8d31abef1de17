// Search over local history (docs/client.md "Conversation features"): case-insensitive substring
// over stored text, newest first, paged by seq. Runs on the device only; nothing is sent.
import type { Storage, StoredMessage } from './storage.ts';

export interface SearchOptions {
  /** At most this many results (default 20, at most 200). */
  limit?: number;
  /** Only messages with seq < beforeSeq: the next page after the last result's seq. */
  beforeSeq?: number;
  /** Only this conversation. */
  peer?: string;
}

export interface SearchPage {
  readonly results: StoredMessage[];
  /** Pass as beforeSeq for the next page; absent when there is none. */
  readonly nextBeforeSeq?: number;
}

/** Lower-cased with the same length rules for both sides (locale-independent). */
const fold = (s: string): string => s.toLocaleLowerCase('und');

export async function searchMessages(storage: Storage, query: string, opts: SearchOptions = {}): Promise<SearchPage> {
  if (typeof query !== 'string') throw new TypeError('query: expected a string');
  const q = fold(query.trim());
  const limit = Math.min(200, Math.max(1, Math.floor(opts.limit ?? 20)));
  if (q === '') return { results: [] };
  const peers = opts.peer !== undefined ? [opts.peer] : (await storage.listConversations()).map((c) => c.peer);
  const hits: StoredMessage[] = [];
  for (const peer of peers) {
    const list = await storage.listMessages(peer, opts.beforeSeq !== undefined ? { beforeSeq: opts.beforeSeq } : {});
    for (const m of list) if (!m.deleted && m.messageType === 'text' && fold(m.content).includes(q)) hits.push(m);
  }
  hits.sort((a, b) => b.seq - a.seq);
  const results = hits.slice(0, limit);
  return hits.length > limit ? { results, nextBeforeSeq: results.at(-1)!.seq } : { results };
}
