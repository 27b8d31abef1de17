// The projection of the account document onto contacts, and the rules built on it: a contact only
// from a grant signed by the contact, no renewal for a block whatever the clock.
import { describe, expect, it } from 'vitest';
import {
  createGrant,
  createIdentity,
  createRevocation,
  GRANT_LIFETIME_MS,
  GRANT_RENEW_BEFORE_MS,
  mergeAccount,
  patch,
  type SessionId,
} from '../../protocol/index.ts';
import {
  changedPeers,
  mayReach,
  nextStatementIat,
  projectContact,
  REGRANT_PROOF_MAX_AGE_MS,
  regrantsDue,
  nextRenewal,
  renewalsDue,
  usableGrant,
} from '../accountView.ts';

const me = createIdentity();
const bob = createIdentity();
const mallory = createIdentity();
const NOW = 1_765_000_000_000;
const WEEK = 7 * 86_400_000;

describe('account view', () => {
  it('holds a grant only if the contact signed it for me, unexpired and not from the future', () => {
    const g = createGrant(bob, me.sessionId, NOW);
    expect(usableGrant(g, bob.sessionId, me.sessionId, NOW)).toBe(true);
    // Planted by someone else (a malicious server, a stranger) under the contact's name.
    expect(usableGrant(createGrant(mallory, me.sessionId, NOW), bob.sessionId, me.sessionId, NOW)).toBe(false);
    expect(usableGrant({ ...g, exp: g.exp + 1 }, bob.sessionId, me.sessionId, NOW)).toBe(false);
    expect(usableGrant(createGrant(bob, mallory.sessionId, NOW), bob.sessionId, me.sessionId, NOW)).toBe(false);
    expect(usableGrant(g, bob.sessionId, me.sessionId, NOW + GRANT_LIFETIME_MS)).toBe(false);
    expect(usableGrant(createGrant(bob, me.sessionId, NOW + 3 * WEEK), bob.sessionId, me.sessionId, NOW)).toBe(false);
  });

  it('projects accepted, blocked and removed records', () => {
    const grant = createGrant(bob, me.sessionId, NOW);
    const rec = {
      state: { v: 'accepted' as const, s: [NOW, 0, 'a'] as const },
      name: { v: 'Bob', at: NOW },
      grant,
      issued: { iat: NOW, exp: NOW + GRANT_LIFETIME_MS },
    };
    expect(projectContact(bob.sessionId, rec, me.sessionId, NOW)).toEqual({
      sessionId: bob.sessionId,
      state: 'accepted',
      displayName: 'Bob',
      heldGrant: grant,
      issuedGrantExp: NOW + GRANT_LIFETIME_MS,
      createdAt: NOW,
      updatedAt: NOW,
    });
    // Parties are checked (signatures were checked when the grant went into the document).
    const misfiled = { ...rec, grant: createGrant(mallory, me.sessionId, NOW) };
    expect(projectContact(bob.sessionId, misfiled, me.sessionId, NOW)?.heldGrant).toBeUndefined();
    const revocation = createRevocation(me, bob.sessionId, NOW);
    const blocked = { ...rec, block: { v: { blocked: true as const, revocation }, s: [NOW, 1, 'a'] as const } };
    expect(projectContact(bob.sessionId, blocked, me.sessionId, NOW)).toMatchObject({ state: 'blocked', revocation });
    expect(projectContact(bob.sessionId, { ...rec, state: { v: 'removed', s: [NOW, 2, 'a'] } }, me.sessionId, NOW)).toBeUndefined();
    expect(projectContact(bob.sessionId, undefined, me.sessionId, NOW)).toBeUndefined();
  });

  it('renews only accepted, unblocked contacts, even on a device whose clock is three weeks ahead', () => {
    const issued = { iat: NOW, exp: NOW + GRANT_LIFETIME_MS };
    const carol = createIdentity().sessionId;
    let doc = mergeAccount(
      patch.contact(bob.sessionId, { state: { v: 'accepted', s: [NOW, 0, 'a'] }, issued }),
      patch.contact(carol, { state: { v: 'accepted', s: [NOW, 0, 'a'] }, issued }),
    );
    doc = mergeAccount(
      doc,
      patch.contact(bob.sessionId, {
        block: { v: { blocked: true, revocation: createRevocation(me, bob.sessionId as SessionId, NOW) }, s: [NOW, 1, 'a'] },
      }),
    );
    expect(renewalsDue(doc, NOW)).toEqual([]);
    expect(renewalsDue(doc, NOW + 3 * WEEK)).toEqual([carol]);
    expect(mayReach(doc, bob.sessionId, me.sessionId)).toBe(false);
    expect(mayReach(doc, carol, me.sessionId)).toBe(true);
    expect(mayReach(doc, mallory.sessionId, me.sessionId)).toBe(false);
    expect(mayReach(doc, me.sessionId, me.sessionId)).toBe(true);
    expect(changedPeers(doc, mergeAccount(doc, patch.contact(carol, { name: { v: 'Carol', at: 1 } })))).toEqual([carol]);
  });

  it('after every grant lapsed: no renewal (it could not be sent), a re-invitation per accepted, unblocked contact', () => {
    const later = NOW + 8 * WEEK;
    const carol = createIdentity();
    const dave = createIdentity();
    const issued = { iat: NOW, exp: NOW + GRANT_LIFETIME_MS };
    const s = (n: number): [number, number, string] => [NOW, n, 'a'];
    let doc = mergeAccount(
      patch.contact(bob.sessionId, { state: { v: 'accepted', s: s(0) }, grant: createGrant(bob, me.sessionId, NOW), issued }),
      patch.contact(carol.sessionId, { state: { v: 'accepted', s: s(0) }, grant: createGrant(carol, me.sessionId, NOW), issued }),
    );
    doc = mergeAccount(
      doc,
      patch.contact(dave.sessionId, { state: { v: 'accepted', s: s(0) }, grant: createGrant(dave, me.sessionId, later), issued }),
    );
    doc = mergeAccount(
      doc,
      patch.contact(carol.sessionId, {
        block: { v: { blocked: true, revocation: createRevocation(me, carol.sessionId as SessionId, NOW) }, s: s(1) },
      }),
    );
    expect(renewalsDue(doc, later)).toEqual([dave.sessionId]);
    expect(regrantsDue(doc, later)).toEqual([{ peer: bob.sessionId, proof: doc.contacts[bob.sessionId]!.grant }]);
    expect(regrantsDue(doc, NOW)).toEqual([]);
    // A proof older than the server keeps account documents would only be refused.
    expect(regrantsDue(doc, NOW + GRANT_LIFETIME_MS + REGRANT_PROOF_MAX_AGE_MS).map((d) => d.peer)).toEqual([dave.sessionId]);
  });

  it('names the first moment renewalsDue would name someone: never a blocked contact, nor one whose grant lapses first', () => {
    const carol = createIdentity();
    const dave = createIdentity();
    const s = (n: number): [number, number, string] => [NOW, n, 'a'];
    const issuedAt = (iat: number) => ({ iat, exp: iat + GRANT_LIFETIME_MS });
    let doc = mergeAccount(
      // Bob's grant to me outlives the renewal point; Carol's lapses before mine to her is due.
      patch.contact(bob.sessionId, {
        state: { v: 'accepted', s: s(0) },
        grant: createGrant(bob, me.sessionId, NOW),
        issued: issuedAt(NOW + WEEK),
      }),
      patch.contact(carol.sessionId, {
        state: { v: 'accepted', s: s(0) },
        grant: createGrant(carol, me.sessionId, NOW - 2 * WEEK),
        issued: issuedAt(NOW),
      }),
    );
    doc = mergeAccount(
      doc,
      patch.contact(dave.sessionId, {
        state: { v: 'accepted', s: s(0) },
        grant: createGrant(dave, me.sessionId, NOW),
        issued: issuedAt(NOW - WEEK),
        block: { v: { blocked: true, revocation: createRevocation(me, dave.sessionId as SessionId, NOW) }, s: s(1) },
      }),
    );
    const at = nextRenewal(doc, NOW);
    expect(at).toBe(NOW + WEEK + GRANT_LIFETIME_MS - GRANT_RENEW_BEFORE_MS + 1);
    expect(renewalsDue(doc, at - 1)).toEqual([]);
    expect(renewalsDue(doc, at)).toEqual([bob.sessionId]);
    expect(nextRenewal(doc, at)).toBe(at);
    expect(nextRenewal(mergeAccount(doc, patch.contact(bob.sessionId, { issued: issuedAt(at) })), at)).toBe(Infinity);
  });

  it('orders block and unblock statements after the previous one, whatever the clock says', () => {
    const r = createRevocation(me, bob.sessionId as SessionId, NOW + WEEK);
    expect(nextStatementIat({ block: { v: { blocked: true, revocation: r }, s: [1, 0, 'a'] } }, NOW)).toBe(NOW + WEEK + 1);
    expect(nextStatementIat(undefined, NOW)).toBe(NOW);
  });
});
