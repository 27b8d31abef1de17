// Invitation records as they are made: an outgoing one from a request of mine (grant signed, note
// sealed to the invitee), an incoming one's note opened from its box. invitations.ts moves them
// through their states.
import {
  createGrant,
  fromBase64,
  open,
  randomId,
  seal,
  toBase64,
  type Identity,
  type ServerFrames,
  type SessionId,
} from '../protocol/index.ts';
import { decodeBody, encodeBody } from './body.ts';
import type { ClientContext } from './context.ts';
import type { InvitationRecord } from './storage.ts';

/** Until a hello says the server's invitationTtlMs. */
const DEFAULT_TTL_MS = 24 * 3600_000;

/** A new invitation of mine to peer, queued to go (pendingOp). */
export function outgoingRecord(ctx: ClientContext, peer: SessionId, displayName: string, message: string, now: number): InvitationRecord {
  const identity = ctx.identity();
  return {
    id: randomId(),
    direction: 'outgoing',
    peer,
    displayName,
    message,
    status: 'pending',
    grant: createGrant(identity, peer, now),
    ct: toBase64(seal(identity, peer, encodeBody({ t: 'invite', displayName, message }))),
    pendingOp: 'invite',
    createdAt: now,
    expiresAt: now + (ctx.limits()?.invitationTtlMs ?? DEFAULT_TTL_MS),
    updatedAt: now,
  };
}

/** The inviter's name and note, from a box that must open for me and name the inviter. Throws. */
export function openInvitationBox(me: Identity, frame: ServerFrames['invitation']): { displayName: string; message: string } {
  const opened = open(me, fromBase64(frame.ct));
  if (opened.senderId !== frame.from) throw new Error('invitation box sender is not the inviter');
  const body = decodeBody(opened.body);
  if (body?.t !== 'invite') throw new Error('invitation box holds no invite body');
  return { displayName: body.displayName, message: body.message };
}

/** Forgets the retry state of the record's request (answered, or replaced by another). */
export function clearRetry(rec: InvitationRecord): void {
  delete rec.opAttempts;
  delete rec.opLastError;
  delete rec.opNextAt;
}
