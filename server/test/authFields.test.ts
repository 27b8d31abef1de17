// The server hashes an auth frame's unsigned fields with its own encoder (auth/authFields.ts, issue
// 14) instead of protocol's canonicalJson walk. The signature covers those bytes, so they must be
// the client's exactly: any frame the strict schema accepts hashes the same both ways, through a
// real JSON round trip (the server only ever sees a parsed frame).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { authFieldsHash, bytesToHex, clientFrames, parseClientFrame, type ClientFrames } from '../../protocol/index.ts';
import { arbitraryOf } from '../../protocol/test/arbitraries.ts';
import { authFieldsSha256 } from '../src/auth/authFields.ts';
import { grant, newIdentity, revocation } from './helpers/rawClient.ts';

type AuthFrame = ClientFrames['auth'];
const parsed = (f: unknown) => parseClientFrame(JSON.stringify(f)) as AuthFrame;

describe('authFieldsSha256', () => {
  it('equals authFieldsHash on every frame the schema accepts', () => {
    fc.assert(
      fc.property(arbitraryOf(clientFrames.auth), (raw) => {
        const f = parsed(raw);
        expect(bytesToHex(authFieldsSha256(f))).toBe(bytesToHex(authFieldsHash(f)));
      }),
      { numRuns: 500 },
    );
  });

  it('equals it with real grants and revocations, a resume and hidePresence, and tells a changed grant apart', () => {
    const me = newIdentity();
    const grants = [newIdentity(), newIdentity()].map((g) => grant(g, me));
    const base = {
      type: 'auth',
      sessionId: me.sessionId,
      edPublicKey: Buffer.alloc(32, 1).toString('base64'),
      deviceId: 'a'.repeat(32),
      nonce: Buffer.alloc(32, 2).toString('base64'),
      origin: 'ws://localhost:1',
      signature: Buffer.alloc(64, 3).toString('base64'),
      grants,
      revocations: [revocation(me, newIdentity())],
    };
    for (const extra of [{}, { hidePresence: false }, { hidePresence: true, resume: { epoch: 'e_1-Z', offset: 7 } }]) {
      const f = parsed({ ...base, ...extra });
      expect(bytesToHex(authFieldsSha256(f))).toBe(bytesToHex(authFieldsHash(f)));
    }
    const f = parsed(base);
    const changed = parsed({ ...base, grants: [grants[0], { ...grants[1]!, exp: grants[1]!.exp + 1 }] });
    expect(bytesToHex(authFieldsSha256(changed))).not.toBe(bytesToHex(authFieldsSha256(f)));
  });
});
