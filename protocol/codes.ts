// The one table of protocol errors. Every error a peer can see has a stable code, a human message
// and its own WebSocket close code (used when the error ends the connection), and every rule that
// depends on the code is a column here: the server and the SDK read them, nothing keeps its own
// list. docs/protocol.md "Errors" shows the same table; a test holds them equal.

export interface ErrorSpec {
  readonly message: string;
  /** WebSocket close code used when this error closes the socket. */
  readonly close: number;
  /** Always closes the socket (errors before authentication close it too). */
  readonly fatal: boolean;
  /** The same request may succeed later without change: the SDK keeps the item and retries it by
   * itself (after retryAfterMs when given, else its backoff); a reconnect is worth trying. */
  readonly retryable: boolean;
  /** A correct client never causes it: the server counts it towards TOO_MANY_ERRORS. */
  readonly misbehaviour: boolean;
  /** Closing with it, the SDK stops reconnecting: the same keys or origin would be refused forever. */
  readonly stopsReconnect: boolean;
  /** Refusing a re-invitation, it refuses every later one with the same proof: the SDK stops re-inviting. */
  readonly finalForProof: boolean;
}

/** Rules beyond fatal and retryable; all false unless named. */
interface Rules {
  readonly misbehaviour?: boolean;
  readonly stopsReconnect?: boolean;
  readonly finalForProof?: boolean;
}

function spec(close: number, message: string, fatal = false, retryable = false, rules: Rules = {}): ErrorSpec {
  return {
    close,
    message,
    fatal,
    retryable,
    misbehaviour: rules.misbehaviour ?? false,
    stopsReconnect: rules.stopsReconnect ?? false,
    finalForProof: rules.finalForProof ?? false,
  };
}

/** Counts towards TOO_MANY_ERRORS. */
const MISBEHAVIOUR: Rules = { misbehaviour: true };
/** The SDK gives up instead of reconnecting. */
const STOP: Rules = { stopsReconnect: true };

export const ERRORS = {
  // Connection and authentication
  AUTH_REQUIRED: spec(4401, 'the first frame after hello must be auth', true, false, STOP),
  AUTH_TIMEOUT: spec(4408, 'no valid auth frame arrived in time', true),
  AUTH_KEY_MISMATCH: spec(4402, 'edPublicKey does not belong to sessionId', true, false, STOP),
  AUTH_BAD_SIGNATURE: spec(4406, 'auth signature does not verify', true, false, STOP),
  AUTH_NONCE_REPLAYED: spec(4407, 'auth nonce is not the one this connection was given, or was already used', true),
  // Not a stop: a client with several URLs moves on to the next one, which may list its origin.
  AUTH_ORIGIN_MISMATCH: spec(4411, 'auth was signed for another server origin than this one', true),
  ALREADY_AUTHENTICATED: spec(4409, 'this connection is already authenticated', false, false, MISBEHAVIOUR),
  ORIGIN_FORBIDDEN: spec(4403, 'origin is not allowed', true, false, STOP),
  SERVER_FULL: spec(4503, 'the server is at its connection limit; retry later', true, true),
  TOO_MANY_DEVICES: spec(4504, 'this Session ID has too many connected devices', true, true),
  TOO_MANY_CONNECTIONS: spec(4505, 'too many sockets from this address (or too many not yet authenticated); retry later', true, true),
  GOING_AWAY: spec(1001, 'server is shutting down; reconnect', true, true),
  INTERNAL: spec(1011, 'internal server error', true, true),

  // Frame shape
  BAD_JSON: spec(4400, 'frame is not valid JSON', false, false, MISBEHAVIOUR),
  BINARY_UNSUPPORTED: spec(4415, 'binary frames are not part of the protocol', false, false, MISBEHAVIOUR),
  UNKNOWN_TYPE: spec(4416, 'unknown frame type', false, false, MISBEHAVIOUR),
  BAD_FRAME: spec(4422, 'frame does not match its schema', false, false, MISBEHAVIOUR),
  FRAME_TOO_LARGE: spec(4413, 'frame exceeds the size limit', true),
  TOO_MANY_ERRORS: spec(4420, 'too many protocol errors on this connection', true),
  INVALID_SESSION_ID: spec(4410, 'not a Session ID: expected "05" followed by 64 lowercase hex characters', false, false, MISBEHAVIOUR),

  // Authorisation by contact grants
  NO_GRANT: spec(4430, 'no valid grant from the recipient for this sender'),
  GRANT_INVALID: spec(4431, 'grant signature or parties are invalid', false, false, { ...MISBEHAVIOUR, finalForProof: true }),
  // As a re-invitation's proof: lapsed past what the server accepts (ACCOUNT_TTL), it stays so.
  GRANT_EXPIRED: spec(4432, 'grant has expired', false, false, { finalForProof: true }),
  GRANT_REVOKED: spec(4433, 'grant was revoked by its granter'),
  GRANT_NOT_YET_VALID: spec(4438, "grant is issued in the future beyond the server's allowed clock skew"),

  // Limits
  MAILBOX_FULL: spec(4434, "recipient's mailbox is full; the message stays in the outbox", false, true),
  RATE_LIMITED: spec(4429, 'rate limit reached; retry after retryAfterMs', false, true),
  AUTH_RATE_LIMITED: spec(4428, 'too many auth attempts from this address; reconnect after retryAfterMs', true, true),
  TOO_MANY_GRANTS: spec(4435, 'too many grants or revocations in one frame', false, false, MISBEHAVIOUR),
  TOO_MANY_SUBSCRIPTIONS: spec(4436, 'too many presence subscriptions on this connection', false, false, MISBEHAVIOUR),
  // Issue 11: the server holds a bounded number of blocks per identity.
  REVOCATION_LIMIT: spec(4437, 'this Session ID already has as many revocations stored as the server holds for one identity', false, false),

  // Invitations
  INVITE_NOT_FOUND: spec(4440, 'no such invitation for this Session ID'),
  INVITE_NOT_PENDING: spec(4441, 'invitation is no longer pending'),
  INVITE_LIMIT: spec(4442, 'recipient has too many pending invitations', false, true),
  INVITE_SELF: spec(4443, 'cannot invite yourself', false, false, { finalForProof: true }),
  INVITE_DUPLICATE: spec(4444, 'a pending invitation to this Session ID already exists'),

  // Attachments: blob store (frames and the HTTP API, docs/protocol.md "Blob HTTP API")
  BLOB_TOO_LARGE: spec(4450, 'the blob exceeds ATTACHMENT_MAX_BYTES'),
  BLOB_QUOTA: spec(4451, 'this Session ID has no blob quota left until some of its blobs expire', false, true),
  BLOB_NOT_FOUND: spec(4452, 'no such blob (unknown, or expired and removed)'),
  BLOB_EXPIRED: spec(4453, 'the blob has expired'),
  BLOB_BAD_TOKEN: spec(4454, 'the blob token is missing, forged, for another blob or operation, or expired'),
  BLOB_WRONG_LENGTH: spec(4455, 'the part is not the length its index calls for'),
  BLOB_BAD_PART: spec(4456, 'no such part index for this blob'),
  BLOB_INCOMPLETE: spec(4457, 'the blob is still being uploaded', false, true),
  BLOB_RANGE: spec(4458, 'the range is past the end of the blob'),
  // Web Push (docs/protocol.md "Push")
  PUSH_UNAVAILABLE: spec(4470, 'this server does not send Web Push (no VAPID keys configured)'),
  PUSH_ENDPOINT_REFUSED: spec(4471, 'push endpoint refused: an https URL of a push service on a public address is required'),
  PUSH_BAD_KEYS: spec(4472, 'push subscription keys are malformed: p256dh must be a 65-byte P-256 point, auth 16 bytes (base64url)'),
  PUSH_LIMIT: spec(4473, 'this Session ID has too many push subscriptions; remove one from a device first'),
  // Account document
  ACCOUNT_TOO_LARGE: spec(4480, 'account document exceeds ACCOUNT_MAX_BYTES'),
  ACCOUNT_UPLOAD_BROKEN: spec(4481, 'account_put parts arrived out of order or changed mid-upload; start again from part 0'),

  // Store
  STORE_UNAVAILABLE: spec(4500, 'the server cannot reach its store; retry later', false, true),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/** The one factory for protocol errors, on either side of the wire. */
export class ProtocolError extends Error {
  readonly code: ErrorCode;
  readonly close: number;
  readonly fatal: boolean;
  readonly retryable: boolean;
  readonly stopsReconnect: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, detail?: string, retryAfterMs?: number) {
    const s = ERRORS[code];
    super(detail ? `${s.message}: ${detail}` : s.message);
    this.name = 'ProtocolError';
    this.code = code;
    this.close = s.close;
    this.fatal = s.fatal;
    this.retryable = s.retryable;
    this.stopsReconnect = s.stopsReconnect;
    this.retryAfterMs = retryAfterMs;
  }
}

export function protocolError(code: ErrorCode, detail?: string, retryAfterMs?: number): ProtocolError {
  return new ProtocolError(code, detail, retryAfterMs);
}
