// Plaintext bodies inside the E2E box (docs/protocol.md "End-to-end box", body table). Parsed
// leniently: unknown fields are ignored and an unknown `t` is skipped, so newer clients can add kinds.
import { grantSchema, revocationSchema } from '../protocol/frames.ts';
import { arr, b64, bool, hexId, int, literal, obj, oneOf, opt, sessionId, str, type Infer } from '../protocol/schema.ts';
import { utf8Decode, utf8ToBytes } from '../protocol/index.ts';

export const MAX_CONTENT_CHARS = 64 * 1024;
/** A contact with a grant and a revocation is ~0.9 KB of JSON: 30 keep a body well inside a frame. */
export const CONTACTS_PER_BODY = 30;
const ids = arr(hexId(), { max: 1000 });
/** A small JPEG shown before the file is fetched: kept well inside one frame with the rest of a body. */
export const MAX_THUMBNAIL_BYTES = 12 * 1024;
export const MAX_WAVEFORM_POINTS = 100;
/**
 * An encrypted file in the blob store (docs/protocol.md "Attachments"): the blob id, the key that
 * opens it and the SHA-256 of its ciphertext, with what a view shows before downloading it.
 */
export const attachmentSchema = obj({
  id: hexId(),
  key: b64({ len: 32 }),
  digest: b64({ len: 32 }),
  /** Plaintext bytes. */
  size: int(),
  mime: str({ max: 128 }),
  name: str({ max: 256 }),
  thumbnail: opt(b64({ max: MAX_THUMBNAIL_BYTES })),
  width: opt(int({ max: 100_000 })),
  height: opt(int({ max: 100_000 })),
  /** Voice notes and videos: length in milliseconds. */
  duration: opt(int()),
  /** Voice notes: loudness 0..255 at evenly spaced points. */
  waveform: opt(arr(int({ max: 255 }), { max: MAX_WAVEFORM_POINTS })),
});
export type AttachmentRef = Infer<typeof attachmentSchema>;
/** A reply's quote of the message it answers: enough to recognise it. */
export const MAX_QUOTE_CHARS = 200;
/** Disappearing-messages timers a conversation may agree on: 5 minutes to 4 weeks (0: off). */
export const MIN_DISAPPEAR_MS = 5 * 60_000;
export const MAX_DISAPPEAR_MS = 28 * 24 * 3_600_000;
const msgFields = {
  id: hexId(),
  ts: int(),
  content: str({ max: MAX_CONTENT_CHARS }),
  messageType: str({ min: 1, max: 32 }),
  /** messageType "attachment": the file this message carries (content is its caption). */
  attachment: opt(attachmentSchema),
  // Conversation features (client/conversationOps.ts): a quoted reply and a disappearing timer.
  replyTo: opt(obj({ id: hexId(), quote: str({ max: MAX_QUOTE_CHARS }) })),
  ttl: opt(int({ min: MIN_DISAPPEAR_MS, max: MAX_DISAPPEAR_MS })),
};
/** On a copy to my own devices, `to` names the conversation (the peer); from a peer it is absent. */
const toPeer = { to: opt(sessionId()) };
const name = str({ max: 128 });

// ---- history (client/backup.ts, client/historyTransfer.ts) ----
/** One message of history, as a backup file and a history_chunk carry it (no local storedAt). */
export const historyMessageSchema = obj({
  id: hexId(),
  peer: sessionId(),
  direction: oneOf(['in', 'out'] as const),
  content: str({ max: MAX_CONTENT_CHARS }),
  messageType: str({ min: 1, max: 32 }),
  sentAt: int(),
  seq: int(),
  status: opt(oneOf(['sent', 'delivered', 'read'] as const)),
  read: bool(),
});
export type HistoryMessage = Infer<typeof historyMessageSchema>;
/** Messages per history_chunk at most (fewer when their bytes would not fit one envelope). */
export const HISTORY_CHUNK_MESSAGES = 50;
const historyBodies = {
  /** From a new device of mine: send me the history after this cursor ((afterSeq, afterId) order). */
  history_request: obj({
    t: literal('history_request'),
    rid: hexId(),
    dev: hexId(),
    afterSeq: int(),
    afterId: str({ max: 32 }),
    received: int(),
  }),
  /** A sibling's answer, for device `dev`: `sent` counts messages through this chunk, of `total`. */
  history_chunk: obj({
    t: literal('history_chunk'),
    rid: hexId(),
    dev: hexId(),
    by: hexId(),
    index: int(),
    sent: int(),
    total: int(),
    last: bool(),
    more: bool(),
    messages: arr(historyMessageSchema, { max: HISTORY_CHUNK_MESSAGES }),
  }),
  /** The new device's progress, for the sibling `by` to show. */
  history_ack: obj({ t: literal('history_ack'), rid: hexId(), by: hexId(), received: int(), total: int() }),
} as const;

const bodies = {
  msg: obj({ t: literal('msg'), ...msgFields }),
  sync: obj({ t: literal('sync'), to: sessionId(), msg: obj(msgFields) }),
  receipt: obj({ t: literal('receipt'), kind: literal('read'), ids }),
  read_sync: obj({ t: literal('read_sync'), peer: sessionId(), ids }),
  typing: obj({ t: literal('typing'), on: bool() }),
  invite: obj({ t: literal('invite'), displayName: name, message: str({ max: 1024 }) }),
  /** at: when the sender set the name (their clock); a receiver keeps only newer ones. */
  profile: obj({ t: literal('profile'), displayName: name, at: opt(int()) }),
  grant: obj({ t: literal('grant'), grant: grantSchema }),
  // Conversation features (docs/protocol.md "Bodies"): sent to the peer and, with `to`, to my devices.
  react: obj({ t: literal('react'), id: hexId(), emoji: str({ min: 1, max: 16 }), on: bool(), ...toPeer }),
  edit: obj({ t: literal('edit'), id: hexId(), ts: int(), content: str({ min: 1, max: MAX_CONTENT_CHARS }), ...toPeer }),
  unsend: obj({ t: literal('unsend'), id: hexId(), ts: int(), ...toPeer }),
  timer: obj({ t: literal('timer'), ms: int({ min: 0, max: MAX_DISAPPEAR_MS }), ts: int(), ...toPeer }),
  /** To my own devices only: what I did to a conversation locally. */
  chat_op: obj({ t: literal('chat_op'), op: oneOf(['hide', 'delete_chat', 'mute', 'unmute'] as const), peer: sessionId(), ids: opt(ids) }),
  /** From a newly linked device of mine: "tell me who my contacts are". */
  sync_request: obj({ t: literal('sync_request') }),
  /** To my own devices: contacts with the signed material that lets a device reach them. */
  contacts: obj({
    t: literal('contacts'),
    contacts: arr(
      obj({
        sessionId: sessionId(),
        displayName: opt(name),
        state: oneOf(['accepted', 'blocked'] as const),
        heldGrant: opt(grantSchema),
        issuedGrantExp: opt(int()),
        revocation: opt(revocationSchema),
      }),
      { max: CONTACTS_PER_BODY },
    ),
  }),
  ...historyBodies,
} as const;

export type BodyType = keyof typeof bodies;
export type Bodies = { [K in BodyType]: Infer<(typeof bodies)[K]> };
export type Body = Bodies[BodyType];

export function encodeBody(body: Body): Uint8Array {
  return utf8ToBytes(JSON.stringify(body));
}

export class BodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

/** The body, or null for a kind this SDK does not know. Throws BodyError when malformed. */
export function decodeBody(bytes: Uint8Array): Body | null {
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Decode(bytes));
  } catch {
    throw new BodyError('body is not UTF-8 JSON');
  }
  const t = (raw as { t?: unknown } | null)?.t;
  if (typeof t !== 'string') throw new BodyError('body has no kind (t)');
  if (!Object.hasOwn(bodies, t)) return null;
  try {
    return bodies[t as BodyType].parse(raw, `body(${t})`, false) as Body;
  } catch (e) {
    throw new BodyError((e as Error).message);
  }
}
