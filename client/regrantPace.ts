// When a re-invitation (regrant) to a contact whose grant lapsed may go again, from the ones this
// device already sent or knows of (docs/client.md "Restore after every grant lapsed"). Derived from
// the stored invitation records alone, so the pace survives reconnects and restarts: a phone that
// reconnects every minute asks a contact who is gone for good no more often than one that stays.
import { ERRORS, isErrorCode, type Grant } from '../protocol/index.ts';
import { REGRANT_PROOF_MAX_AGE_MS } from './accountView.ts';
import type { InvitationRecord } from './storage.ts';

/** Wait after the first unanswered re-invitation ended (expired or refused); doubled per further one. */
export const REGRANT_RETRY_BASE_MS = 24 * 3600_000;
/**
 * At most this long between two: a contact who comes back asks me by themselves (their grant from
 * me lapsed too), so a long wait costs a returning contact nothing.
 */
export const REGRANT_RETRY_MAX_MS = 7 * 24 * 3600_000;

/** A refusal the same proof meets every time (protocol/codes.ts finalForProof). */
function finalForProof(reason: string | undefined): boolean {
  return reason !== undefined && isErrorCode(reason) && ERRORS[reason].finalForProof;
}

/**
 * The earliest time the next re-invitation to a peer may go, given my outgoing re-invitations to
 * them (`past`, any order) and the proof it would carry: `now` or earlier when due, Infinity when
 * it never should (declined by them, or refused for good with this proof). Answers reset the pace:
 * only what came after the last accepted one counts.
 */
export function nextRegrantAt(past: readonly InvitationRecord[], proof: Grant, now: number): number {
  let unanswered = 0;
  let lastEnd = -Infinity;
  for (const rec of [...past].sort((a, b) => b.createdAt - a.createdAt)) {
    if (rec.status === 'accepted') break;
    if (rec.status === 'pending' && rec.expiresAt > now) return rec.expiresAt;
    if (rec.status === 'declined') return Infinity;
    if (rec.status === 'failed' && finalForProof(rec.reason) && (!rec.proof || rec.proof.sig === proof.sig)) return Infinity;
    if (unanswered === 0) lastEnd = rec.status === 'pending' || rec.status === 'expired' ? rec.expiresAt : rec.updatedAt;
    unanswered++;
  }
  if (unanswered === 0) return now;
  return lastEnd + Math.min(REGRANT_RETRY_MAX_MS, REGRANT_RETRY_BASE_MS * 2 ** Math.min(unanswered - 1, 30));
}

/**
 * Of the contacts whose grant to me lapsed (`due`), those to ask now, given every invitation record
 * of mine: none to a peer an invitation of mine is still pending to, none before nextRegrantAt.
 */
export function regrantsToAsk<T extends { readonly peer: string; readonly proof: Grant }>(
  due: readonly T[],
  records: readonly InvitationRecord[],
  now: number,
): T[] {
  const outgoing = records.filter((i) => i.direction === 'outgoing');
  const waiting = new Set(outgoing.filter((i) => i.status === 'pending' && i.expiresAt > now).map((i) => i.peer));
  return due.filter(
    ({ peer, proof }) =>
      !waiting.has(peer) &&
      nextRegrantAt(
        outgoing.filter((i) => i.peer === peer && i.renew),
        proof,
        now,
      ) <= now,
  );
}

/**
 * The earliest time regrantsToAsk would name one of `candidates` (accepted contacts with their
 * grant to me, lapsed or still running) if no record changes meanwhile; Infinity when never. A
 * connected device arms its timer for it (scheduledPass.ts), so it asks on schedule, not by polling.
 */
export function nextRegrantCheck(
  candidates: readonly { readonly peer: string; readonly proof: Grant }[],
  records: readonly InvitationRecord[],
  now: number,
): number {
  // Grouped once: this runs whenever a contact changes, over every contact and record.
  const byPeer = new Map<string, InvitationRecord[]>();
  for (const i of records) {
    if (i.direction !== 'outgoing') continue;
    const list = byPeer.get(i.peer);
    if (list) list.push(i);
    else byPeer.set(i.peer, [i]);
  }
  let earliest = Infinity;
  for (const { peer, proof } of candidates) {
    const mine = byPeer.get(peer) ?? [];
    const renewals = mine.filter((i) => i.renew);
    // Not before the grant lapses; a pending invitation moves that to its expiry, where the pace
    // may move it again: step until nothing moves it (each step passes at least one record).
    let t = Math.max(now, proof.exp);
    for (let step = 0; step <= mine.length + 1 && t < Infinity; step++) {
      const waiting = mine.filter((i) => i.status === 'pending' && i.expiresAt > t).map((i) => i.expiresAt);
      const next = Math.max(t, nextRegrantAt(renewals, proof, t), ...waiting);
      if (next === t) break;
      t = next;
    }
    // Too old by then to prove anything (regrantsDue leaves it out).
    if (t >= proof.exp + REGRANT_PROOF_MAX_AGE_MS) continue;
    earliest = Math.min(earliest, t);
  }
  return earliest;
}
