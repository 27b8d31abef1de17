// Every single-bit change is rejected: of a sealed box (each bit of one box, exhaustively, and
// random bits of random boxes), of an auth frame's signature and key, and of a grant and a
// revocation in every signed field. Nothing that was tampered with may open or verify.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BoxError,
  bytesToHex,
  checkGrant,
  checkRevocation,
  createAuthFrame,
  createGrant,
  createIdentity,
  createRevocation,
  fromBase64,
  hexToBytes,
  open,
  randomBytes,
  randomId,
  seal,
  toBase64,
  verifyAuthFrame,
  type Grant,
  type Revocation,
  type SessionId,
} from '../index.ts';

const alice = createIdentity();
const bob = createIdentity();

function flip(bytes: Uint8Array, bit: number): Uint8Array {
  const out = bytes.slice();
  out[bit >> 3]! ^= 1 << (bit & 7);
  return out;
}

/** Every variant of a base64 field with one bit flipped. */
function b64Flips(b64: string): string[] {
  const bytes = fromBase64(b64);
  return Array.from({ length: bytes.length * 8 }, (_, i) => toBase64(flip(bytes, i)));
}

/** Every variant of a Session ID with one bit of its key flipped. */
function sidFlips(sid: string): string[] {
  const key = hexToBytes(sid.slice(2));
  return Array.from({ length: 256 }, (_, i) => '05' + bytesToHex(flip(key, i)));
}

/** Every variant of a u64 timestamp with one bit flipped (unsafe integers included). */
function u64Flips(n: number): number[] {
  return Array.from({ length: 64 }, (_, i) => Number(BigInt(n) ^ (1n << BigInt(i))));
}

function opens(recipient: typeof bob, box: Uint8Array): boolean {
  try {
    open(recipient, box);
    return true;
  } catch (e) {
    if (!(e instanceof BoxError)) throw e;
    return false;
  }
}

describe('single-bit changes are rejected', () => {
  // A padded box is 714 bytes (box v2): 5 712 AEAD failures, ~30 s on a loaded two-core machine.
  it('a sealed box: every one of its bits', { timeout: 180_000 }, () => {
    const box = seal(alice, bob.sessionId, new TextEncoder().encode('{"t":"msg","id":"x"}'));
    expect(opens(bob, box)).toBe(true);
    let rejected = 0;
    for (let bit = 0; bit < box.length * 8; bit++) {
      if (!opens(bob, flip(box, bit))) rejected++;
    }
    expect(rejected).toBe(box.length * 8);
  });

  it('a sealed box: random bits of random boxes, and truncations', { timeout: 60_000 }, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), (body, bitSeed, cutSeed) => {
        const box = seal(alice, bob.sessionId, body);
        expect(opens(bob, flip(box, bitSeed % (box.length * 8)))).toBe(false);
        expect(opens(bob, box.subarray(0, cutSeed % box.length))).toBe(false);
        expect(open(bob, box).body).toEqual(body);
      }),
      { numRuns: 150 },
    );
  });

  it("an auth frame: every bit of its signature, its key, its nonce and its Session ID's key", { timeout: 60_000 }, () => {
    const nonce = toBase64(randomBytes(32));
    const frame = createAuthFrame({ identity: alice, deviceId: randomId(), nonce, epoch: 'e1', url: 'ws://relay.test/ws' });
    const challenge = (n: string) => ({ nonce: n, epoch: 'e1', origins: new Set(['ws://relay.test']) });
    expect(verifyAuthFrame(frame, challenge(nonce))).toBeNull();
    const variants = [
      ...b64Flips(frame.signature).map((signature) => ({ ...frame, signature })),
      ...b64Flips(frame.edPublicKey).map((edPublicKey) => ({ ...frame, edPublicKey })),
      ...b64Flips(frame.nonce).map((n) => ({ ...frame, nonce: n })),
      ...sidFlips(frame.sessionId).map((sessionId) => ({ ...frame, sessionId })),
      ...Array.from({ length: 128 }, (_, i) => ({ ...frame, deviceId: bytesToHex(flip(hexToBytes(frame.deviceId), i)) })),
    ];
    expect(variants).toHaveLength(512 + 256 + 256 + 256 + 128);
    for (const v of variants) {
      // The nonce check compares against the one this connection was given: the flipped nonce too.
      expect(verifyAuthFrame(v, challenge(nonce)), JSON.stringify(v)).not.toBeNull();
      expect(verifyAuthFrame(v, challenge(v.nonce))).not.toBeNull();
    }
  });

  it('a grant: every bit of every signed field', { timeout: 60_000 }, () => {
    const g: Grant = createGrant(alice, bob.sessionId as SessionId, Date.now());
    expect(checkGrant(g, bob.sessionId, Date.now())).toBeNull();
    const variants: Grant[] = [
      ...sidFlips(g.from).map((from) => ({ ...g, from })),
      ...sidFlips(g.to).map((to) => ({ ...g, to })),
      ...u64Flips(g.iat).map((iat) => ({ ...g, iat })),
      ...u64Flips(g.exp).map((exp) => ({ ...g, exp })),
      ...b64Flips(g.edPk).map((edPk) => ({ ...g, edPk })),
      ...b64Flips(g.sig).map((sig) => ({ ...g, sig })),
    ];
    expect(variants).toHaveLength(256 * 2 + 64 * 2 + 256 + 512);
    for (const v of variants) {
      // Whether presented by the original grantee or by whoever the altered grant names.
      expect(checkGrant(v, bob.sessionId, g.iat)).not.toBeNull();
      expect(checkGrant(v, v.to, g.iat)).not.toBeNull();
    }
  });

  it('a revocation: every bit of every signed field', { timeout: 60_000 }, () => {
    const r: Revocation = createRevocation(alice, bob.sessionId as SessionId, Date.now());
    expect(checkRevocation(r)).toBeNull();
    const variants: Revocation[] = [
      ...sidFlips(r.from).map((from) => ({ ...r, from })),
      ...sidFlips(r.to).map((to) => ({ ...r, to })),
      ...u64Flips(r.iat).map((iat) => ({ ...r, iat })),
      ...b64Flips(r.edPk).map((edPk) => ({ ...r, edPk })),
      ...b64Flips(r.sig).map((sig) => ({ ...r, sig })),
    ];
    for (const v of variants) expect(checkRevocation(v)).not.toBeNull();
  });
});
