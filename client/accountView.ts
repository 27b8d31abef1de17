// What the account document means for this device: the Contact records storage shows (a projection
// of the document, never edited on their own), which grants may be held, which are due for renewal.
// Pure functions over protocol/account.ts; contacts.ts does the writing.
import {
  canonical,
  checkGrant,
  contactStatus,
  GRANT_RENEW_BEFORE_MS,
  type AccountDoc,
  type ContactRecord,
  type Grant,
} from '../protocol/index.ts';
import type { Contact } from './storage.ts';

/** How far in the future a held grant's iat may lie (the server refuses more: GRANT_MAX_SKEW). */
export const GRANT_SKEW_MS = 10 * 60_000;

/**
 * Whether this device may keep a grant as "from peer to me": signed by peer (nobody else can make a
 * contact appear), naming me, unexpired, and not issued in the future beyond the skew.
 */
export function usableGrant(g: Grant | undefined, peer: string, me: string, now: number): g is Grant {
  if (!g || g.from !== peer || g.iat > now + GRANT_SKEW_MS) return false;
  return checkGrant(g, me, now) === null;
}

/**
 * The Contact record for one document record, or undefined when it is not a contact (never
 * accepted, removed). The document opened under my own key, so only my devices wrote it, and each
 * checked a grant's signature (usableGrant) before putting it in: the projection does not verify
 * again (1,000 Ed25519 checks would be most of a restore), it only checks parties and time.
 */
export function projectContact(
  peer: string,
  rec: ContactRecord | undefined,
  me: string,
  now: number,
  existing?: Contact,
): Contact | undefined {
  const status = contactStatus(rec);
  if (!rec || status === 'none' || status === 'removed') return undefined;
  const c: Contact = {
    sessionId: peer,
    state: status === 'blocked' ? 'blocked' : 'accepted',
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  if (rec.name) c.displayName = rec.name.v;
  else if (existing?.displayName !== undefined) c.displayName = existing.displayName;
  const g = rec.grant;
  if (g && g.from === peer && g.to === me && g.iat <= now + GRANT_SKEW_MS) c.heldGrant = g;
  if (rec.issued) c.issuedGrantExp = rec.issued.exp;
  if (rec.block?.v.blocked) c.revocation = rec.block.v.revocation;
  return c;
}

/** Peers whose record differs between two documents. */
export function changedPeers(prev: AccountDoc, next: AccountDoc): string[] {
  const out: string[] = [];
  for (const peer of new Set([...Object.keys(prev.contacts), ...Object.keys(next.contacts)])) {
    if (canonical(prev.contacts[peer]) !== canonical(next.contacts[peer])) out.push(peer);
  }
  return out;
}

/**
 * When the grant I issued to this contact falls due for renewal: once less than
 * GRANT_RENEW_BEFORE_MS of it is left, if the contact is accepted and not blocked in the document (a
 * device that has merged a block never renews it, whatever its clock). Infinity when it never will
 * by renewal.
 */
function renewalAt(c: ContactRecord, now: number): number {
  if (contactStatus(c) !== 'accepted' || c.issued === undefined) return Infinity;
  const at = c.issued.exp - GRANT_RENEW_BEFORE_MS + 1;
  // A renewal travels as an envelope, which needs their grant: once it lapsed, both sides get fresh
  // ones from a re-invitation instead (regrantsDue).
  if (c.grant !== undefined && c.grant.exp <= Math.max(now, at)) return Infinity;
  return at;
}

/** Contacts whose grant from me must be renewed now (renewalAt). */
export function renewalsDue(doc: AccountDoc, now: number): string[] {
  return Object.entries(doc.contacts)
    .filter(([, c]) => renewalAt(c, now) <= now)
    .map(([peer]) => peer);
}

/**
 * The earliest time renewalsDue would name someone if the document does not change meanwhile;
 * Infinity when never. A connected device arms its timer for it (scheduledPass.ts).
 */
export function nextRenewal(doc: AccountDoc, now: number): number {
  let earliest = Infinity;
  for (const c of Object.values(doc.contacts)) earliest = Math.min(earliest, renewalAt(c, now));
  return earliest;
}

/** How long after it lapsed a contact's grant still proves the contact (the server's ACCOUNT_TTL default). */
export const REGRANT_PROOF_MAX_AGE_MS = 400 * 24 * 3600_000;

/**
 * Accepted, unblocked contacts whose grant to me lapsed (everyone's, after a phrase is restored
 * months later): each is asked for fresh grants with a re-invitation, their lapsed grant the proof.
 */
export function regrantsDue(doc: AccountDoc, now: number): { peer: string; proof: Grant }[] {
  return regrantCandidates(doc, now).filter(({ proof }) => proof.exp <= now);
}

/**
 * Accepted, unblocked contacts whose grant to me is or will be due for a re-invitation: lapsed not
 * too long ago, or still running (due when it lapses). What a connected device's timer watches.
 */
export function regrantCandidates(doc: AccountDoc, now: number): { peer: string; proof: Grant }[] {
  const out: { peer: string; proof: Grant }[] = [];
  for (const [peer, c] of Object.entries(doc.contacts)) {
    const g = c.grant;
    if (contactStatus(c) !== 'accepted' || !g || g.exp <= now - REGRANT_PROOF_MAX_AGE_MS) continue;
    out.push({ peer, proof: g });
  }
  return out;
}

/**
 * iat for a new block or unblock statement: now, but after the previous statement, so the server
 * (which keeps the latest of each and compares them) orders them as the document does.
 */
export function nextStatementIat(rec: ContactRecord | undefined, now: number): number {
  const v = rec?.block?.v;
  const prev = v ? (v.blocked ? v.revocation.iat : v.unblock.iat) : -1;
  return Math.max(now, prev + 1);
}

/** Whether envelopes from `peer` are taken: my own ID, or an accepted contact not blocked. */
export function mayReach(doc: AccountDoc, peer: string, me: string): boolean {
  return peer === me || contactStatus(doc.contacts[peer]) === 'accepted';
}
