// Plaintext bodies inside the E2E box (docs/protocol.md "End-to-end box", body table). Parsed
// leniently: unknown fields are ignored and an unknown `t` is skipped, so newer clients can add kinds.
import { grantSchema, revocationSchema } from '../protocol/frames.ts';
import { arr, bool, hexId, int, literal, obj, oneOf, opt, sessionId, str, type Infer } from '../protocol/schema.ts';
import { utf8Decode, utf8ToBytes } from '../protocol/index.ts';

export const MAX_CONTENT_CHARS = 64 * 1024;
/** A contact with a grant and a revocation is ~0.9 KB of JSON: 30 keep a body well inside a frame. */
export const CONTACTS_PER_BODY = 30;
const ids = arr(hexId(), { max: 1000 });
const msgFields = { id: hexId(), ts: int(), content: str({ max: MAX_CONTENT_CHARS }), messageType: str({ min: 1, max: 32 }) };
const name = str({ max: 128 });

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
  if (!Object.prototype.hasOwnProperty.call(bodies, t)) return null;
  try {
    return bodies[t as BodyType].parse(raw, `body(${t})`, false) as Body;
  } catch (e) {
    throw new BodyError((e as Error).message);
  }
}
