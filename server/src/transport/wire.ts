// Server frames as text. The hot ones (envelope, delivered, invitation entries, presence) are built by
// concatenation: every interpolated value was validated by the strict client schema (hex ids, Session
// IDs, canonical base64, safe integers, fixed status words), so none needs JSON escaping, and the
// ciphertext is never parsed or re-serialised. A test checks each builder against protocol's schema.
import { encodeFrame, ERRORS, type ErrorCode, type Grant, type InvitationStatus, type ServerFrames } from '../../../protocol/index.ts';
import type { EntryBody } from '../store/types.ts';

/** A grant re-encoded from its parsed form, in schema order (the form stored with invitations). */
export function grantJson(g: Grant): string {
  return JSON.stringify({ from: g.from, to: g.to, iat: g.iat, exp: g.exp, edPk: g.edPk, sig: g.sig });
}

/** Stream entry without its offset (the store splices it in), or an ephemeral envelope. */
export function envelopeText(id: string, from: string, ct: string, ts: number, ephemeral = false): string {
  return `{"type":"envelope","id":"${id}","from":"${from}","ct":"${ct}","ts":${ts}${ephemeral ? ',"ephemeral":true' : ''}}`;
}

/** A stream entry's frame built as '{' + body, so a store may splice without a copy (NewEntry.body). */
export interface EntryText {
  readonly frame: string;
  readonly body: EntryBody;
}

function entryText(body: string): EntryText {
  return { frame: '{' + body, body: body as EntryBody };
}

/** envelopeText(id, from, ct, ts) as an EntryText. */
export function envelopeEntry(id: string, from: string, ct: string, ts: number): EntryText {
  return entryText(`"type":"envelope","id":"${id}","from":"${from}","ct":"${ct}","ts":${ts}}`);
}

export function deliveredText(id: string, to: string, ts: number): string {
  return deliveredEntry(id, to, ts).frame;
}

export function deliveredEntry(id: string, to: string, ts: number): EntryText {
  return entryText(`"type":"delivered","id":"${id}","to":"${to}","ts":${ts}}`);
}

export interface InvitationFields {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly ct: string;
  /** grantJson() of the inviter's grant. */
  readonly grant: string;
  readonly expiresAt: number;
}

/** Without the inviter's grant: it reaches the invitee only once they accept (invitation_update). */
/** renew: a re-invitation (regrant), which the invitee's client may accept by itself. */
export function invitationText(inv: InvitationFields, ts: number, renew = false): string {
  const r = renew ? ',"renew":true' : '';
  return `{"type":"invitation","id":"${inv.id}","from":"${inv.from}","to":"${inv.to}","ct":"${inv.ct}","expiresAt":${inv.expiresAt}${r},"ts":${ts}}`;
}

export function invitationUpdateText(
  inv: { readonly id: string; readonly from: string; readonly to: string },
  status: Exclude<InvitationStatus, 'pending'>,
  ts: number,
  grant?: string,
): string {
  const g = grant === undefined ? '' : `,"grant":${grant}`;
  return `{"type":"invitation_update","id":"${inv.id}","from":"${inv.from}","to":"${inv.to}","status":"${status}"${g},"ts":${ts}}`;
}

export function presenceText(id: string, online: boolean, ts: number): string {
  return `{"type":"presence","id":"${id}","online":${online},"ts":${ts}}`;
}

/**
 * `offset` only for a copy to the sender's own Session ID (its own stream, which its device must
 * acknowledge): anyone else's stream position would let a contact count what else they receive.
 */
export function sentText(id: string, to: string, offset?: number): string {
  return offset === undefined
    ? `{"type":"sent","id":"${id}","to":"${to}"}`
    : `{"type":"sent","id":"${id}","to":"${to}","offset":${offset}}`;
}

export function okText(ref: string, op: string): string {
  return encodeFrame({ type: 'ok', ref, op });
}

export function pongText(t: number | undefined, serverTime: number): string {
  const frame: ServerFrames['pong'] = { type: 'pong', serverTime };
  if (t !== undefined) frame.t = t;
  return encodeFrame(frame);
}

const MAX_MESSAGE = 1024;

export function errorText(
  code: ErrorCode,
  message: string = ERRORS[code].message,
  ref?: string,
  retryAfterMs?: number,
  ids?: readonly string[],
): string {
  const frame: ServerFrames['error'] = {
    type: 'error',
    code,
    message: message.length > MAX_MESSAGE ? message.slice(0, MAX_MESSAGE) : message,
  };
  if (ref !== undefined) frame.ref = ref;
  if (retryAfterMs !== undefined) frame.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
  if (ids !== undefined) frame.ids = [...ids];
  return encodeFrame(frame);
}
