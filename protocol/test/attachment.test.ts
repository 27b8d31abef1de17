import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import {
  ATTACHMENT_CHUNK_BYTES,
  AttachmentError,
  attachmentCiphertextSize,
  attachmentPaddedSize,
  attachmentSealedSize,
  openAttachment,
  sealAttachment,
} from '../attachment.ts';
import { bytesToHex, hexToBytes } from '../bytes.ts';
import vectors from './vectors/attachment.json' with { type: 'json' };

const key = hexToBytes(vectors.valid[0]!.key);

describe('attachment encryption (STREAM over XChaCha20-Poly1305)', () => {
  it.each(vectors.valid)('matches the vector: $name', (v) => {
    expect(bytesToHex(openAttachment(hexToBytes(v.file), hexToBytes(v.key), hexToBytes(v.digest)))).toBe(v.plain);
    // Version 1 files are only opened now; version 2 is what is sealed.
    if (v.version === 1) return;
    const s = sealAttachment(hexToBytes(v.plain), { key: hexToBytes(v.key), prefix: hexToBytes(v.prefix), chunkBytes: v.chunkBytes });
    expect(bytesToHex(s.ciphertext)).toBe(v.file);
    expect(bytesToHex(s.digest)).toBe(v.digest);
    expect(s.ciphertext.length).toBe(attachmentSealedSize(v.plain.length / 2, { chunkBytes: v.chunkBytes }));
  });

  it('pads to Signal buckets: files of nearby sizes seal to one length, at most 5 % over past the floor', () => {
    // Two well-known files a few bytes apart must not be told apart by their blob's length.
    expect(sealAttachment(new Uint8Array(1000)).ciphertext.length).toBe(sealAttachment(new Uint8Array(1010)).ciphertext.length);
    expect(sealAttachment(new Uint8Array(0)).ciphertext.length).toBe(sealAttachment(new Uint8Array(537)).ciphertext.length);
    expect(attachmentPaddedSize(0)).toBe(541);
    expect(attachmentPaddedSize(537)).toBe(541);
    expect(attachmentPaddedSize(538)).toBe(568); // ⌊1.05^130⌋
    for (const size of [538, 1000, 65_536, 1_000_003, 25 * 1024 * 1024]) {
      const p = attachmentPaddedSize(size);
      expect(p).toBeGreaterThanOrEqual(size + 4);
      expect(p).toBeLessThanOrEqual(Math.ceil((size + 4) * 1.05));
    }
    expect(attachmentPaddedSize(1000)).toBe(attachmentPaddedSize(1010));
  });

  it('cuts the bucket to a size limit so a file just under it still fits; over it, the size says so', () => {
    const max = 1024 * 1024;
    // The biggest file that fits unpadded: its bucket alone would be over the limit.
    let size = max - 400;
    while (attachmentCiphertextSize(size + 1 + 4) <= max) size++;
    expect(attachmentSealedSize(size)).toBeGreaterThan(max);
    expect(attachmentSealedSize(size, { maxSealed: max })).toBeLessThanOrEqual(max);
    expect(attachmentSealedSize(size - 1000, { maxSealed: max })).toBe(attachmentSealedSize(size, { maxSealed: max }));
    const s = sealAttachment(new Uint8Array(size).fill(7), { maxSealed: max });
    expect(s.ciphertext.length).toBeLessThanOrEqual(max);
    expect(openAttachment(s.ciphertext, s.key, s.digest)).toEqual(new Uint8Array(size).fill(7));
    expect(attachmentSealedSize(size + 1, { maxSealed: max })).toBeGreaterThan(max);
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
