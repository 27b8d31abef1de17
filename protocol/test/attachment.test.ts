import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import { ATTACHMENT_CHUNK_BYTES, AttachmentError, attachmentCiphertextSize, openAttachment, sealAttachment } from '../attachment.ts';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import vectors from './vectors/attachment.json' with { type: 'json' };

const key = hexToBytes(vectors.valid[0]!.key);

describe('attachment encryption (STREAM over XChaCha20-Poly1305)', () => {
  it.each(vectors.valid)('matches the vector: $name', (v) => {
    const s = sealAttachment(hexToBytes(v.plain), { key: hexToBytes(v.key), prefix: hexToBytes(v.prefix), chunkBytes: v.chunkBytes });
    expect(bytesToHex(s.ciphertext)).toBe(v.file);
    expect(bytesToHex(s.digest)).toBe(v.digest);
    expect(s.ciphertext.length).toBe(attachmentCiphertextSize(v.plain.length / 2, v.chunkBytes));
    expect(bytesToHex(openAttachment(hexToBytes(v.file), hexToBytes(v.key), hexToBytes(v.digest)))).toBe(v.plain);
  });

  it.each(vectors.reject)('rejects: $name', (r) => {
    try {
      openAttachment(hexToBytes(r.file), key, hexToBytes(r.digest));
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AttachmentError);
      expect((e as AttachmentError).reason).toBe(r.reason);
    }
  });

  it('rejects the right file under another key', () => {
    const v = vectors.valid[0]!;
    expect(() => openAttachment(hexToBytes(v.file), new Uint8Array(32).fill(1), hexToBytes(v.digest))).toThrow(/chunk 0/);
  });

  it('a fresh key and prefix for every file', () => {
    const a = sealAttachment(new Uint8Array(10));
    const b = sealAttachment(new Uint8Array(10));
    expect(bytesToHex(a.key)).not.toBe(bytesToHex(b.key));
    expect(bytesToHex(a.ciphertext.subarray(4, 20))).not.toBe(bytesToHex(b.ciphertext.subarray(4, 20)));
  });

  it('round-trips any size around the chunk boundaries, and any single-byte change or cut is rejected', () => {
    const sizes = fc.oneof(
      fc.integer({ min: 0, max: 3 * 64 }),
      fc.constantFrom(ATTACHMENT_CHUNK_BYTES - 1, ATTACHMENT_CHUNK_BYTES, ATTACHMENT_CHUNK_BYTES + 1),
    );
    fc.assert(
      fc.property(sizes, fc.nat(), fc.nat(), fc.boolean(), (size, at, cut, small) => {
        const plain = new Uint8Array(size).map((_, i) => i * 7);
        const s = sealAttachment(plain, small ? { chunkBytes: 64 } : {});
        expect(openAttachment(s.ciphertext, s.key, s.digest)).toEqual(plain);
        const bad = s.ciphertext.slice();
        bad[at % bad.length]! ^= 0x80;
        expect(() => openAttachment(bad, s.key, sha256(bad))).toThrow(AttachmentError);
        const short = s.ciphertext.subarray(0, cut % s.ciphertext.length);
        expect(() => openAttachment(short, s.key, sha256(short))).toThrow(AttachmentError);
      }),
      { numRuns: 60 },
    );
  });
});
