import { describe, expect, it } from 'vitest';
import {
  BOX_MIN_BYTES,
  BoxError,
  createIdentity,
  fromBase64,
  hexToBytes,
  identityFromEntropy,
  open,
  seal,
  toBase64,
  utf8Decode,
  utf8ToBytes,
} from '../index.ts';
import vectors from './vectors/vectors.json' with { type: 'json' };

const v = vectors.box;
const alice = identityFromEntropy(hexToBytes(v.senderEntropy));
const bob = identityFromEntropy(hexToBytes(v.recipientEntropy));
const carol = identityFromEntropy(hexToBytes(v.otherEntropy));

describe('box v2', () => {
  it('matches the pinned vector byte for byte', () => {
    const box = seal(alice, bob.sessionId, hexToBytes(v.body), {
      ephemeralSecretKey: hexToBytes(v.ephemeralSecretKey),
      nonce: hexToBytes(v.nonce),
    });
    expect(toBase64(box)).toBe(v.box);
    expect(box.length).toBe(BOX_MIN_BYTES);
  });

  it('opens the vector and authenticates the sender', () => {
    const opened = open(bob, fromBase64(v.box));
    expect(opened.senderId).toBe(alice.sessionId);
    expect(opened.senderEdPublicKey).toEqual(alice.edPublicKey);
    expect(utf8Decode(opened.body)).toContain('hello bob');
  });

  it.each(v.reject)('rejects: $name', (r) => {
    try {
      open(bob, fromBase64(r.box));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BoxError);
      expect((e as BoxError).reason).toBe(r.reason);
    }
  });

  it('cannot be opened by anyone but the recipient', () => {
    expect(() => open(carol, fromBase64(v.box))).toThrow(BoxError);
  });

  it('uses a fresh ephemeral key and nonce every time', () => {
    const body = utf8ToBytes('same body');
    const a = seal(alice, bob.sessionId, body);
    const b = seal(alice, bob.sessionId, body);
    expect(toBase64(a.subarray(0, 57))).not.toBe(toBase64(b.subarray(0, 57)));
    expect(utf8Decode(open(bob, a).body)).toBe('same body');
  });

  it('round-trips an empty body and a large one', () => {
    for (const n of [0, 1, 65_000]) {
      const body = new Uint8Array(n).map((_, i) => i & 255);
      expect(open(bob, seal(alice, bob.sessionId, body)).body).toEqual(body);
    }
  });

  it('lets an identity write to itself (copies for its other devices)', () => {
    const me = createIdentity();
    expect(open(me, seal(me, me.sessionId, utf8ToBytes('note'))).senderId).toBe(me.sessionId);
  });

  it('rejects a single-bit change in every byte of a sealed box', () => {
    // One bit per byte (rotating through the bit positions): a padded box is 714 bytes, and every
    // bit of all of them would take ~20 s of AEAD failures for no more coverage of the layout.
    const box = seal(alice, bob.sessionId, utf8ToBytes('bits'));
    let rejected = 0;
    for (let i = 0; i < box.length; i++) {
      const m = box.slice();
      m[i]! ^= 1 << (i & 7);
      try {
        open(bob, m);
      } catch {
        rejected++;
      }
    }
    expect(rejected).toBe(box.length);
  });
});
