// History as data: what an encrypted backup file (protocol/backup.ts) and a history transfer from a
// sibling device (historyTransfer.ts) carry, and the one merge that stores it. Conversations and
// messages with their read state; never the identity, contacts or the outbox (contacts follow the
// account, the outbox belongs to the device that will send it).
import { openBackup, sealBackup, BackupError } from '../protocol/backup.ts';
import { utf8Decode, utf8ToBytes } from '../protocol/index.ts';
import { arr, int, literal, obj, sessionId, type Infer } from '../protocol/schema.ts';
import { atomically, type Batch } from './batch.ts';
import { historyMessageSchema, type HistoryMessage } from './body.ts';

export type { HistoryMessage };
import type { ClientContext } from './context.ts';
import type { Conversation, StoredMessage } from './storage.ts';

/** A backup holds at most this many messages (about 2 GB of the longest texts; far above real use). */
export const MAX_BACKUP_MESSAGES = 1_000_000;

const backupContentSchema = obj({
  v: literal('1'),
  sessionId: sessionId(),
  exportedAt: int(),
  messages: arr(historyMessageSchema, { max: MAX_BACKUP_MESSAGES }),
});

/** What leaves this device: sent or received messages (a queued or failed one stays with its outbox). */
export function toHistoryMessage(m: StoredMessage): HistoryMessage | undefined {
  if (m.direction === 'out' && (m.status === 'queued' || m.status === 'failed')) return undefined;
  const h: HistoryMessage = {
    id: m.id,
    peer: m.peer,
    direction: m.direction,
    content: m.content,
    messageType: m.messageType,
    sentAt: m.sentAt,
    seq: m.seq,
    read: m.read,
  };
  if (m.direction === 'out') h.status = m.status === 'delivered' || m.status === 'read' ? m.status : 'sent';
  return h;
}

/** Every message this device holds, conversation by conversation, in seq order. */
export async function collectHistory(ctx: ClientContext): Promise<HistoryMessage[]> {
  const out: HistoryMessage[] = [];
  for (const c of await ctx.storage.listConversations()) {
    for (const m of await ctx.storage.listMessages(c.peer)) {
      const h = toHistoryMessage(m);
      if (h) out.push(h);
    }
  }
  return out;
}

export interface MergeResult {
  /** Messages stored that this device did not have. */
  readonly added: number;
  /** Messages it had, now marked read because the other copy was. */
  readonly markedRead: number;
  /** The highest seq stored, so the device's own order continues after it. */
  readonly maxSeq: number;
}

/**
 * Stages history into b: messages by id without duplicates (one already here only gains the read
 * flag), conversations recounted. Imported messages keep their seq: both devices number by time,
 * so a conversation interleaves in the order things were said.
 */
export async function mergeHistory(b: Batch, messages: readonly HistoryMessage[], now: number): Promise<MergeResult> {
  let added = 0;
  let markedRead = 0;
  let maxSeq = 0;
  const touched = new Map<string, { conv: Conversation; last?: StoredMessage }>();
  const conv = async (peer: string) => {
    let t = touched.get(peer);
    if (!t) {
      t = { conv: (await b.getConversation(peer)) ?? { peer, lastSeq: 0, unread: 0 } };
      touched.set(peer, t);
    }
    return t;
  };
  for (const h of messages) {
    const have = await b.getMessage(h.id);
    if (have) {
      if (have.direction === 'in' && !have.read && h.read && have.peer === h.peer) {
        have.read = true;
        b.putMessage(have);
        (await conv(h.peer)).conv.unread -= 1;
        markedRead++;
      }
      continue;
    }
    const m: StoredMessage = { ...h, storedAt: now, read: h.direction === 'out' ? true : h.read };
    if (m.direction === 'in') delete m.status;
    b.putMessage(m);
    added++;
    maxSeq = Math.max(maxSeq, m.seq);
    const t = await conv(m.peer);
    if (m.direction === 'in' && !m.read) t.conv.unread += 1;
    if (m.seq >= t.conv.lastSeq) {
      t.conv.lastSeq = m.seq;
      t.conv.lastMessageId = m.id;
      t.last = m;
    }
  }
  for (const { conv: c, last } of touched.values()) {
    c.unread = Math.max(0, c.unread);
    b.putConversation(c);
    b.emit('conversation', last ? { conversation: c, last } : { conversation: c });
  }
  return { added, markedRead, maxSeq };
}

/** The backup file's bytes: this device's history, sealed with a key from the phrase. */
export async function exportBackup(ctx: ClientContext): Promise<Uint8Array> {
  const identity = ctx.identity();
  const messages = await collectHistory(ctx);
  const content = { v: '1', sessionId: identity.sessionId, exportedAt: ctx.runtime.now(), messages };
  return sealBackup(identity.entropy, utf8ToBytes(JSON.stringify(content)));
}

/** Opens, checks and merges a backup in one storage write; a BackupError leaves storage untouched. */
export async function importBackup(ctx: ClientContext, file: Uint8Array): Promise<MergeResult> {
  const identity = ctx.identity();
  const plain = openBackup(identity.entropy, file);
  let content: Infer<typeof backupContentSchema>;
  try {
    content = backupContentSchema.parse(JSON.parse(utf8Decode(plain)), 'backup', false);
  } catch (e) {
    throw new BackupError('BACKUP_CONTENT', (e as Error).message);
  }
  // The key already proves the phrase; a different ID inside means a forged or mixed-up file.
  if (content.sessionId !== identity.sessionId) throw new BackupError('BACKUP_WRONG_IDENTITY', 'inner Session ID');
  return atomically(ctx, (b) => mergeHistory(b, content.messages, ctx.runtime.now()));
}
