// The pace of re-invitations (client/regrantPace.ts): what an answer does to it.
import { describe, expect, it } from 'vitest';
import { createGrant } from '../../protocol/index.ts';
import { REGRANT_PROOF_MAX_AGE_MS } from '../accountView.ts';
import { nextRegrantAt, nextRegrantCheck, REGRANT_RETRY_BASE_MS, REGRANT_RETRY_MAX_MS } from '../regrantPace.ts';
import type { InvitationRecord } from '../storage.ts';
import { peer } from './fakes.ts';

const DAY = 86_400_000;
const NOW = 1_800_000_000_000;
const bob = peer();
const me = peer();
const proof = createGrant(bob, me.sessionId, NOW - 40 * DAY);

function asked(daysAgo: number, status: InvitationRecord['status'], extra: Partial<InvitationRecord> = {}): InvitationRecord {
  const createdAt = NOW - daysAgo * DAY;
  return {
    id: `${daysAgo}`,
    direction: 'outgoing',
    peer: bob.sessionId,
    renew: true,
    status,
    proof,
    createdAt,
    expiresAt: createdAt + DAY,
    updatedAt: createdAt + DAY,
    ...extra,
  };
}

describe('re-invitation pace', () => {
  it('first one at once; after unanswered ones the wait doubles from the last one’s end, up to the cap', () => {
    expect(nextRegrantAt([], proof, NOW)).toBe(NOW);
    expect(nextRegrantAt([asked(3, 'expired')], proof, NOW)).toBe(NOW - 2 * DAY + REGRANT_RETRY_BASE_MS);
    expect(nextRegrantAt([asked(3, 'expired'), asked(9, 'expired')], proof, NOW)).toBe(NOW - 2 * DAY + 2 * REGRANT_RETRY_BASE_MS);
    const many = Array.from({ length: 12 }, (_, i) => asked(3 + i * 10, 'expired'));
    expect(nextRegrantAt(many, proof, NOW)).toBe(NOW - 2 * DAY + REGRANT_RETRY_MAX_MS);
  });

  it('not while one is pending; an accept resets the count', () => {
    expect(nextRegrantAt([{ ...asked(0, 'pending'), expiresAt: NOW + 5 }], proof, NOW)).toBe(NOW + 5);
    expect(nextRegrantAt([asked(3, 'expired'), asked(50, 'accepted'), asked(60, 'expired'), asked(70, 'expired')], proof, NOW)).toBe(
      NOW - 2 * DAY + REGRANT_RETRY_BASE_MS,
    );
  });

  it('never again after a decline, or a refusal the same proof always meets; another refusal only waits', () => {
    expect(nextRegrantAt([asked(3, 'declined')], proof, NOW)).toBe(Infinity);
    expect(nextRegrantAt([asked(3, 'failed', { reason: 'GRANT_EXPIRED' })], proof, NOW)).toBe(Infinity);
    const newer = createGrant(bob, me.sessionId, NOW - 35 * DAY);
    expect(nextRegrantAt([asked(3, 'failed', { reason: 'GRANT_EXPIRED' })], newer, NOW)).toBeLessThan(Infinity);
    expect(nextRegrantAt([asked(3, 'failed', { reason: 'GRANT_NOT_YET_VALID' })], proof, NOW)).toBe(NOW - 2 * DAY + REGRANT_RETRY_BASE_MS);
  });
});

describe('when a connected device looks again (nextRegrantCheck)', () => {
  const lapsed = [{ peer: bob.sessionId, proof }];
  it('at the lapse of a running grant, at once for a lapsed one never asked, never for one too old', () => {
    const running = createGrant(bob, me.sessionId, NOW - DAY);
    expect(nextRegrantCheck([{ peer: bob.sessionId, proof: running }], [], NOW)).toBe(running.exp);
    expect(nextRegrantCheck(lapsed, [], NOW)).toBe(NOW);
    expect(nextRegrantCheck(lapsed, [], proof.exp + REGRANT_PROOF_MAX_AGE_MS)).toBe(Infinity);
    expect(nextRegrantCheck([], [], NOW)).toBe(Infinity);
  });

  it('past a pending one to where the pace lets the next go; never after a decline', () => {
    const pending = { ...asked(0, 'pending'), expiresAt: NOW + 5 };
    expect(nextRegrantCheck(lapsed, [pending], NOW)).toBe(NOW + 5 + REGRANT_RETRY_BASE_MS);
    // An ordinary invitation of mine still pending to them waits too.
    const plain = { ...pending, id: 'plain', renew: undefined, expiresAt: NOW + 9 } as InvitationRecord;
    expect(nextRegrantCheck(lapsed, [plain], NOW)).toBe(NOW + 9);
    expect(nextRegrantCheck(lapsed, [asked(3, 'declined')], NOW)).toBe(Infinity);
  });
});
