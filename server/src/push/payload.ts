// What a push carries, and whether an entry deserves one. The payload is JSON the device opens
// after RFC 8291 decryption: the end-to-end boxes themselves (the envelope or invitation ct, which
// only the recipient's keys open), newest first, as many as fit; if none fits, the push is an empty
// wake-up and the app fetches its mailbox. The push service sees neither sender nor content.
import { frameString, type EntryKind, type FrameText } from '../store/types.ts';

/**
 * Largest plaintext: a push message is at most 4096 bytes (RFC 8030 §7.2), and aes128gcm adds a
 * 86-byte header (salt, record size, key id = 65-byte sender key), a 16-byte tag and a 1-byte
 * padding delimiter (RFC 8188, RFC 8291 §4).
 */
export const MAX_PUSH_PLAINTEXT = 4096 - 86 - 16 - 1;

/** One thing the device should hear about. JSON keys kept short: every byte counts against 3993. */
export type PushItem =
  /** A message (or a receipt: the server cannot tell; the app shows only messages). */
  | { readonly k: 'm'; readonly id: string; readonly ct: string }
  /** An invitation: the inviter and the sealed name and note. */
  | { readonly k: 'i'; readonly id: string; readonly from: string; readonly ct: string }
  /** An invitation of mine was answered (accepted/declined), or one to me was cancelled. */
  | { readonly k: 'u'; readonly id: string; readonly peer: string; readonly status: string };

interface EntryFrame {
  readonly id?: string;
  readonly from?: string;
  readonly to?: string;
  readonly ct?: string;
  readonly status?: string;
}

/** The item an entry of sid's stream gives, or undefined when it should not wake anyone. */
export function itemFor(sid: string, type: EntryKind, text: FrameText): PushItem | undefined {
  if (type === 'delivered') return undefined;
  let f: EntryFrame;
  try {
    f = JSON.parse(frameString(text)) as EntryFrame;
  } catch {
    return undefined;
  }
  if (typeof f.id !== 'string') return undefined;
  switch (type) {
    case 'envelope':
      // My own copies (sent from another of my devices) wake nobody.
      if (f.from === sid || typeof f.ct !== 'string') return undefined;
      return { k: 'm', id: f.id, ct: f.ct };
    case 'invitation':
      if (f.from === sid || typeof f.from !== 'string' || typeof f.ct !== 'string') return undefined;
      return { k: 'i', id: f.id, from: f.from, ct: f.ct };
    case 'invitation_update': {
      // Told to whom it is news: the inviter hears the answer, the invitee a cancel; expiry is quiet.
      if (typeof f.from !== 'string' || typeof f.to !== 'string') return undefined;
      if ((f.status === 'accepted' || f.status === 'declined') && sid === f.from) return { k: 'u', id: f.id, peer: f.to, status: f.status };
      if (f.status === 'cancelled' && sid === f.to) return { k: 'u', id: f.id, peer: f.from, status: f.status };
      return undefined;
    }
  }
}

/**
 * The payload for a device's pending items (oldest first): the newest that fit, with `more` = how
 * many older ones were left out. null = an empty wake-up (not even the newest fits).
 */
export function encodePayload(items: readonly PushItem[]): Buffer | null {
  for (let start = 0; start < items.length; start++) {
    const kept = items.slice(start);
    const body = Buffer.from(JSON.stringify(start > 0 ? { v: 1, items: kept, more: start } : { v: 1, items: kept }));
    if (body.length <= MAX_PUSH_PLAINTEXT) return body;
  }
  return null;
}
