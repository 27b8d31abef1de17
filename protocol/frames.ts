// Every frame of the protocol, defined once. The server parses inbound frames strictly (unknown
// fields rejected); the SDK parses server frames leniently (fields added later are ignored).
import { ProtocolError } from './codes.ts';
import { arr, b64, bool, hexId, int, literal, obj, oneOf, opt, SchemaError, sessionId, str, type Check, type Infer } from './schema.ts';

/** 2: auth v2 (origin-bound signature over every field) and padded boxes (envelope v2). */
export const PROTOCOL_VERSION = 2;
/** Hard caps of the schema itself; the server's configured limits (hello.limits) are tighter. */
export const MAX_GRANTS_PER_FRAME = 1000;
export const MAX_IDS_PER_FRAME = 1000;
export const MAX_CT_BYTES = 1 << 20;
/** Schema caps for the account document: parts per upload, and the blob a server may answer with. */
export const MAX_ACCOUNT_PARTS = 256;
export const MAX_ACCOUNT_BYTES = 16 << 20;

const epoch = str({ min: 1, max: 64, re: /^[0-9a-zA-Z_-]+$/, what: 'epoch token' });
const offset = int({ min: 0 });
const ts = int({ min: 0 });
const ct = b64({ min: 1, max: MAX_CT_BYTES });

// ---- Web Push (docs/protocol.md "Push") ---------------------------------------------------------
/** Longest push endpoint accepted: real ones (FCM, Mozilla, Apple, WNS) are 100 to 500 characters. */
export const MAX_PUSH_ENDPOINT = 1024;
const b64url = (min: number, max: number, what: string) => str({ min, max, re: /^[A-Za-z0-9_-]+={0,2}$/, what });
/** A VAPID public key or a subscription's p256dh: an uncompressed P-256 point, 65 bytes, base64url. */
const p256Key = b64url(86, 88, 'a base64url P-256 public key (65 bytes)');

export const grantSchema = obj({
  from: sessionId(),
  to: sessionId(),
  iat: ts,
  exp: ts,
  edPk: b64({ len: 32 }),
  sig: b64({ len: 64 }),
});
export const revocationSchema = obj({
  from: sessionId(),
  to: sessionId(),
  iat: ts,
  edPk: b64({ len: 32 }),
  sig: b64({ len: 64 }),
});

// ---- client → server ----------------------------------------------------------------------------

export const clientFrames = {
  auth: obj({
    type: literal('auth'),
    sessionId: sessionId(),
    edPublicKey: b64({ len: 32 }),
    deviceId: hexId(),
    nonce: b64({ len: 32 }),
    /** The server origin the client dialled and signed (auth v2): ws(s)://host[:port]. */
    origin: str({ min: 8, max: 300, re: /^wss?:\/\/[^\s/?#]+$/, what: 'ws(s):// origin' }),
    signature: b64({ len: 64 }),
    resume: opt(obj({ epoch, offset })),
    grants: arr(grantSchema, { max: MAX_GRANTS_PER_FRAME, code: 'TOO_MANY_GRANTS' }),
    revocations: arr(revocationSchema, { max: MAX_GRANTS_PER_FRAME, code: 'TOO_MANY_GRANTS' }),
    hidePresence: opt(bool()),
  }),
  send: obj({ type: literal('send'), id: hexId(), to: sessionId(), ct, ephemeral: opt(bool()) }),
  /** Cumulative: everything in this device's stream up to and including offset was processed. */
  ack: obj({ type: literal('ack'), offset: int({ min: 1 }) }),
  invite: obj({ type: literal('invite'), id: hexId(), to: sessionId(), ct, grant: grantSchema }),
  /**
   * A re-invitation of a former contact (a phrase restored after every grant lapsed): proof is the
   * invitee's own earlier grant to me, expired or not (docs/protocol.md "Re-invitations").
   */
  regrant: obj({ type: literal('regrant'), id: hexId(), to: sessionId(), ct, grant: grantSchema, proof: grantSchema }),
  invite_accept: obj({ type: literal('invite_accept'), id: hexId(), grant: grantSchema }),
  invite_decline: obj({ type: literal('invite_decline'), id: hexId() }),
  invite_cancel: obj({ type: literal('invite_cancel'), id: hexId() }),
  grants: obj({ type: literal('grants'), grants: arr(grantSchema, { max: MAX_GRANTS_PER_FRAME, code: 'TOO_MANY_GRANTS' }) }),
  revoke: obj({ type: literal('revoke'), revocation: revocationSchema }),
  presence_sub: obj({ type: literal('presence_sub'), ids: arr(sessionId(), { max: MAX_IDS_PER_FRAME }) }),
  presence_unsub: obj({ type: literal('presence_unsub'), ids: arr(sessionId(), { max: MAX_IDS_PER_FRAME }) }),
  privacy: obj({ type: literal('privacy'), hidePresence: bool() }),
  ping: obj({ type: literal('ping'), t: opt(int()) }),
  // Attachments: capability tokens for the blob HTTP API (docs/protocol.md "Blob HTTP API").
  /** A new blob of size bytes (answered by blob_token op "upload"); with blob, a fresh upload token for my own unfinished one. */
  blob_upload: obj({ type: literal('blob_upload'), id: hexId(), size: int({ min: 1 }), blob: opt(hexId()) }),
  /** A download token for a blob whose id arrived in a message. */
  blob_download: obj({ type: literal('blob_download'), id: hexId(), blob: hexId() }),
  /** This device's Web Push subscription (PushSubscription.toJSON()); replaces the one it had. */
  push_subscribe: obj({
    type: literal('push_subscribe'),
    endpoint: str({ min: 12, max: MAX_PUSH_ENDPOINT, re: /^[\x21-\x7e]+$/, what: 'a push endpoint URL of printable ASCII' }),
    p256dh: p256Key,
    auth: b64url(22, 24, 'a base64url authentication secret (16 bytes)'),
  }),
  /** Forget this device's subscription (notifications turned off, device wiped). */
  push_unsubscribe: obj({ type: literal('push_unsubscribe') }),
  // ---- account document (docs/protocol.md "Account document") ----
  account_get: obj({ type: literal('account_get'), id: hexId() }),
  /** One part of an upload; the last part commits it if the stored version is still `version`. */
  account_put: obj({
    type: literal('account_put'),
    id: hexId(),
    version: int({ min: 0 }),
    blob: b64({ min: 1, max: MAX_CT_BYTES }),
    part: opt(int({ min: 0, max: MAX_ACCOUNT_PARTS - 1 })),
    parts: opt(int({ min: 1, max: MAX_ACCOUNT_PARTS })),
  }),
  /** Lifts this identity's block of unblock.to (monotonic: only an unblock later than the block). */
  unblock: obj({ type: literal('unblock'), unblock: revocationSchema }),
} as const;

export type ClientFrameType = keyof typeof clientFrames;
export type ClientFrames = { [K in ClientFrameType]: Infer<(typeof clientFrames)[K]> };
export type ClientFrame = ClientFrames[ClientFrameType];

// ---- server → client ----------------------------------------------------------------------------

export const limitsSchema = obj({
  maxFrameBytes: int(),
  maxCtBytes: int(),
  maxGrants: int(),
  mailboxMaxEntries: int(),
  mailboxMaxBytes: int(),
  mailboxTtlMs: int(),
  invitationTtlMs: int(),
  maxPresenceSubs: int(),
  /** Largest blob (encrypted attachment) the server takes; absent from servers without attachments. */
  maxAttachmentBytes: opt(int()),
  /** Largest account document blob (bytes) this server keeps; absent on servers without one. */
  accountMaxBytes: opt(int()),
});
export type Limits = Infer<typeof limitsSchema>;

export const INVITATION_STATUSES = ['pending', 'accepted', 'declined', 'cancelled', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

export const serverFrames = {
  hello: obj({
    type: literal('hello'),
    v: int(),
    nonce: b64({ len: 32 }),
    epoch,
    serverTime: ts,
    heartbeatMs: int({ min: 1 }),
    limits: limitsSchema,
    /** The server's VAPID public key (applicationServerKey); absent when it sends no Web Push. */
    vapidKey: opt(p256Key),
  }),
  ready: obj({
    type: literal('ready'),
    sessionId: sessionId(),
    deviceId: hexId(),
    epoch,
    /** Highest offset ever assigned in this identity's stream (0 when empty). */
    head: offset,
    /** True when auth.resume named the current epoch: only entries after its offset follow. */
    resumed: bool(),
    grantsRejected: arr(obj({ from: str({ max: 66 }), code: str({ max: 64 }) }), { max: MAX_GRANTS_PER_FRAME * 2 }),
  }),
  /** An end-to-end encrypted envelope; offset is absent for ephemeral ones (never stored). */
  envelope: obj({ type: literal('envelope'), offset: opt(offset), id: hexId(), from: sessionId(), ct, ts, ephemeral: opt(bool()) }),
  /**
   * The server appended a send to the recipient's stream. offset only when `to` is the sender's own
   * Session ID (an entry of its own stream); never another person's stream position.
   */
  sent: obj({ type: literal('sent'), id: hexId(), to: sessionId(), offset: opt(int({ min: 1 })) }),
  /** A device of `to` acknowledged envelope `id` that this identity sent. */
  delivered: obj({ type: literal('delivered'), offset: opt(offset), id: hexId(), to: sessionId(), ts }),
  invitation: obj({
    type: literal('invitation'),
    offset: opt(offset),
    id: hexId(),
    from: sessionId(),
    to: sessionId(),
    ct,
    /** Never sent since the grant lifecycle (docs/protocol.md "Invitations"); read for old entries. */
    grant: opt(grantSchema),
    expiresAt: ts,
    /** A re-invitation (regrant): the inviter proved the invitee once granted them. */
    renew: opt(bool()),
    ts,
  }),
  invitation_update: obj({
    type: literal('invitation_update'),
    offset: opt(offset),
    id: hexId(),
    from: sessionId(),
    to: sessionId(),
    status: oneOf(INVITATION_STATUSES),
    grant: opt(grantSchema),
    ts,
  }),
  presence: obj({ type: literal('presence'), id: sessionId(), online: bool(), ts }),
  ok: obj({ type: literal('ok'), ref: str({ max: 64 }), op: str({ max: 32 }) }),
  error: obj({
    type: literal('error'),
    code: str({ max: 64 }),
    message: str({ max: 1024 }),
    /** The id of the frame answered: an envelope or invitation id, a Session ID (presence_sub, grants), or an op name. */
    ref: opt(str({ max: 128 })),
    retryAfterMs: opt(int()),
    /** The Session IDs one error answers for (presence_sub refusals: ref "presence_sub"). */
    ids: opt(arr(sessionId(), { max: MAX_IDS_PER_FRAME })),
  }),
  pong: obj({ type: literal('pong'), t: opt(int()), serverTime: ts }),
  /** Answer to blob_upload / blob_download (ref = its id): a token for X-Blob-Token. */
  blob_token: obj({
    type: literal('blob_token'),
    ref: hexId(),
    op: oneOf(['upload', 'download'] as const),
    blob: hexId(),
    token: str({ min: 1, max: 256 }),
    expiresAt: ts,
    size: int(),
    partBytes: int({ min: 1 }),
  }),
  /**
   * The stored account document: the answer to account_get (ref = its id), or to the last part of
   * an account_put (ref = its id; no blob when stored, the current blob with conflict when not).
   */
  account: obj({
    type: literal('account'),
    ref: str({ max: 64 }),
    version: int({ min: 0 }),
    blob: opt(b64({ min: 1, max: MAX_ACCOUNT_BYTES })),
    conflict: opt(bool()),
  }),
  /** Another device of this identity stored a new version of the account document, fetch it with account_get. */
  account_changed: obj({ type: literal('account_changed'), version: int({ min: 1 }) }),
} as const;

export type ServerFrameType = keyof typeof serverFrames;
export type ServerFrames = { [K in ServerFrameType]: Infer<(typeof serverFrames)[K]> };
export type ServerFrame = ServerFrames[ServerFrameType];
export type StreamFrame = ServerFrames['envelope' | 'delivered' | 'invitation' | 'invitation_update'];

// ---- codec --------------------------------------------------------------------------------------

function parseWith<M extends Record<string, Check<unknown>>>(table: M, text: string, strict: boolean): Infer<M[keyof M]> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ProtocolError('BAD_JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ProtocolError('BAD_FRAME', 'a frame is a JSON object');
  const type = (raw as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.hasOwn(table, type)) {
    throw new ProtocolError('UNKNOWN_TYPE', typeof type === 'string' ? JSON.stringify(type.slice(0, 32)) : 'missing type');
  }
  try {
    // An all-scalar frame (send, ack, ping, …) is checked where JSON.parse left it: schema.ts obj().
    return table[type]!.parse(raw, type, strict) as Infer<M[keyof M]>;
  } catch (e) {
    if (e instanceof SchemaError) throw new ProtocolError(e.code, e.message);
    throw e;
  }
}

/** Strict parse of a client frame (server side). Throws ProtocolError with a stable code. */
export function parseClientFrame(text: string): ClientFrame {
  return parseWith(clientFrames, text, true) as ClientFrame;
}

/** Lenient parse of a server frame (SDK side): unknown fields are ignored for forward compatibility. */
export function parseServerFrame(text: string): ServerFrame {
  return parseWith(serverFrames, text, false) as ServerFrame;
}

export function encodeFrame(frame: ClientFrame | ServerFrame): string {
  return JSON.stringify(frame);
}
