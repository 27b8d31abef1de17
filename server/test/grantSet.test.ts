// GrantSet keeps only what authorisation reads (issue 14: idle memory of sockets with contacts).
import { describe, expect, it } from 'vitest';
import { GrantSet } from '../src/auth/grants.ts';

const FROM = `05${'a'.repeat(64)}`;
const TO = `05${'b'.repeat(64)}`;
const grant = (iat: number, exp: number) => ({ from: FROM, to: TO, iat, exp, edPk: 'k'.repeat(44), sig: 's'.repeat(88) });

describe('GrantSet', () => {
  it('holds a verified grant as granter, iat, expiry and revoked only', () => {
    const set = new GrantSet();
    set.hold(grant(1000, 5000));
    const r = set.localCheck(FROM, 2000);
    expect('grant' in r && Object.keys(r.grant).sort()).toEqual(['exp', 'from', 'iat', 'revoked']);
  });

  it('keeps the newest grant, checks expiry and revocation as before', () => {
    const set = new GrantSet();
    set.hold(grant(1000, 5000));
    set.hold(grant(900, 9000)); // older: ignored
    expect(set.localCheck(FROM, 6000)).toEqual({ code: 'GRANT_EXPIRED' });
    set.hold(grant(2000, 9000)); // renewal
    expect('grant' in set.localCheck(FROM, 6000)).toBe(true);
    expect(set.revoke(FROM, 1500)).toBe(false); // the renewal was issued after the block
    expect(set.revoke(FROM, 2000)).toBe(true);
    expect(set.localCheck(FROM, 6000)).toEqual({ code: 'GRANT_REVOKED' });
    expect(set.localCheck(TO, 6000)).toEqual({ code: 'NO_GRANT' });
  });

  it('gives out the held copy of the granter id, kept across renewals, so subscriptions share it', () => {
    const set = new GrantSet();
    const first = grant(1000, 5000);
    set.hold(first);
    // A string equal to FROM but built apart (as a later frame's parse would be).
    const other = ['05', 'a'.repeat(64)].join('');
    set.hold({ ...grant(2000, 9000), from: other });
    expect(set.keyOf(other)).toBe(FROM);
    expect(set.keyOf(TO)).toBeUndefined();
  });
});
