// The stored form of a stream entry in Redis: "ts|k|id|from|text" (k: e d i u; from empty for
// entries without a sender). Ids and Session IDs never hold a "|", and the text is the frame with
// its offset spliced in, so reading an entry never re-serialises ciphertext.
import type { EntryKind, NewEntry, StoredEntry } from '../types.ts';

export const KIND_CODE: Readonly<Record<EntryKind, string>> = { envelope: 'e', delivered: 'd', invitation: 'i', invitation_update: 'u' };
const KIND_OF: Readonly<Record<string, EntryKind>> = { e: 'envelope', d: 'delivered', i: 'invitation', u: 'invitation_update' };

export function parseEntry(offset: number, raw: string): StoredEntry {
  const a = raw.indexOf('|');
  const b = raw.indexOf('|', a + 1);
  const c = raw.indexOf('|', b + 1);
  const d = raw.indexOf('|', c + 1);
  const kind = KIND_OF[raw.slice(a + 1, b)];
  if (kind === undefined || d < 0) throw new Error(`redis store: malformed entry at offset ${offset}`);
  const ts = Number(raw.slice(0, a));
  const id = raw.slice(b + 1, c);
  const from = raw.slice(c + 1, d);
  const text = raw.slice(d + 1);
  return from === '' ? { offset, kind, id, text, ts } : { offset, kind, id, from, text, ts };
}

const FRAME_START = '{"type":';

/** Why `entry` cannot be stored in this form, or undefined when it can. */
export function entryError(entry: NewEntry): string | undefined {
  if (!entry.frame.startsWith(FRAME_START)) {
    return `entry.frame: expected JSON text starting with ${FRAME_START}, got ${JSON.stringify(entry.frame.slice(0, 16))}`;
  }
  // The stored record is "ts|kind|id|from|text": ids and Session IDs never hold a "|".
  if (entry.id.includes('|')) return `entry.id: expected no "|", got ${JSON.stringify(entry.id)}`;
  if (entry.from?.includes('|')) return `entry.from: expected no "|", got ${JSON.stringify(entry.from)}`;
  return undefined;
}
