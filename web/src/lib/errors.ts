// Error codes (protocol/codes.ts) and SDK failures, said the way a person would want to hear them.

const HUMAN: Record<string, string> = {
  INVALID_SESSION_ID: 'That is not a valid Session ID.',
  INVITE_SELF: 'That is your own Session ID. Ask the other person for theirs.',
  INVITE_DUPLICATE: 'You already have a pending request to this person.',
  INVITE_LIMIT: 'This person has too many pending requests right now. Try again later.',
  INVITE_NOT_FOUND: 'This request no longer exists.',
  INVITE_NOT_PENDING: 'This request was already answered or has expired.',
  RATE_LIMITED: 'You are doing that too often. Wait a moment and try again.',
  MAILBOX_FULL: 'Their inbox is full. It will be sent when they catch up.',
  NO_GRANT: 'You can only message people who accepted your request.',
  GRANT_EXPIRED: 'Your contact permission expired. Ask them to add you again.',
  GRANT_REVOKED: 'This person is no longer accepting your messages.',
  GRANT_INVALID: 'The contact permission is not valid.',
  FRAME_TOO_LARGE: 'This message is too long to send.',
  STORE_UNAVAILABLE: 'The server is having trouble. It will be retried.',
  AUTH_KEY_MISMATCH: 'The server refused this device’s keys.',
  AUTH_BAD_SIGNATURE: 'The server refused this device’s signature.',
  ORIGIN_FORBIDDEN: 'This server does not accept connections from this address.',
  // attachments
  BLOB_TOO_LARGE: 'This file is larger than the server accepts.',
  BLOB_QUOTA: 'You have sent too many files lately. Try again once older ones expire.',
  BLOB_NOT_FOUND: 'This file is no longer on the server.',
  BLOB_EXPIRED: 'This file has expired on the server.',
  DIGEST_MISMATCH: 'This file was damaged or altered on the way and was not opened.',
  UPLOAD_CANCELLED: 'You cancelled the upload.',
  UPLOAD_LOST: 'The file is no longer on this device. Send it again.',
};

export function describeCode(code: string | undefined): string {
  if (!code) return 'Something went wrong.';
  return HUMAN[code] ?? `Something went wrong (${code}).`;
}

export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && HUMAN[code]) return HUMAN[code]!;
  if (err instanceof Error) return err.message;
  return String(err);
}
