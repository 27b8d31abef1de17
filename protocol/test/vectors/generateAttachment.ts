// Regenerates attachment.json: `npx tsx protocol/test/vectors/generateAttachment.ts`. The files are
// built by hand from raw XChaCha20-Poly1305 and SHA-256 calls (buildAttachment.ts, not attachment.ts),
// so the vectors check the implementation against the construction as written in its header comment.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes } from '../../bytes.ts';
import { buildAttachment as build } from './buildAttachment.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixed = (byte: number, n: number) => new Uint8Array(n).fill(byte);
const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

/** Version 2's stream: the length, the file, zeros to Signal's bucket (written out here, not imported). */
function stream(file: Uint8Array, len = file.length, padding = 0): Uint8Array {
  const n = 4 + file.length;
  const bucket = Math.max(n, 541, Math.floor(1.05 ** Math.ceil(Math.log(n) / Math.log(1.05))));
  const pad = fixed(0, bucket - n);
  if (pad.length > 0) pad[pad.length - 1] = padding;
  return concatBytes(u32(len), file, pad);
}
const v2 = (s: Uint8Array) => build(s, key, prefix, chunk, { version: 2 });

const key = fixed(0x42, 32);
const prefix = fixed(0x17, 16);
const chunk = 16;
const plain = new TextEncoder().encode('forty bytes of a file, in three chunks.!');
const good = build(plain, key, prefix, chunk);
const hex = (b: Uint8Array) => bytesToHex(b);

function valid(name: string, version: number, p: Uint8Array, f: Uint8Array) {
  return { name, version, key: hex(key), prefix: hex(prefix), chunkBytes: chunk, plain: hex(p), file: hex(f), digest: hex(sha256(f)) };
}

function reject(name: string, file: Uint8Array, reason: string, digest?: Uint8Array) {
  return { name, file: hex(file), digest: hex(digest ?? sha256(file)), reason };
}
const tampered = good.slice();
tampered[30]! ^= 1;
const sealed = 16 + chunk;
const twoChunks = good.subarray(0, 24 + 2 * sealed);

const out = {
  source: 'STREAM over XChaCha20-Poly1305 (protocol/attachment.ts header); built with raw @noble/ciphers calls by generateAttachment.ts',
  valid: [
    valid('version 1 (unpadded): three chunks, last short', 1, plain, good),
    valid('version 1: empty file, one empty final chunk', 1, new Uint8Array(0), build(new Uint8Array(0), key, prefix, chunk)),
    valid('version 1: exact multiple of the chunk size', 1, plain.subarray(0, 32), build(plain.subarray(0, 32), key, prefix, chunk)),
    ...[plain, new Uint8Array(0), fixed(0x61, 600)].map((p) =>
      valid(`version 2: ${p.length} bytes padded to ${stream(p).length}`, 2, p, v2(stream(p))),
    ),
  ],
  reject: [
    reject('a flipped bit (digest recomputed by the attacker)', tampered, 'chunk'),
    reject('a flipped bit (digest as sent)', tampered, 'digest', sha256(good)),
    reject('cut after two chunks', twoChunks, 'chunk'),
    reject('chunks 0 and 1 swapped', build(plain, key, prefix, chunk, { order: [1, 0, 2] }), 'chunk'),
    reject('a chunk appended after the final one', concatBytes(good, good.subarray(24, 24 + sealed)), 'chunk'),
    reject('a trailing byte', concatBytes(good, Uint8Array.of(0)), 'chunk'),
    reject('header only', good.subarray(0, 24), 'length'),
    reject('a tag and a half past the last full chunk', concatBytes(good.subarray(0, 24 + 2 * sealed), fixed(0, 8)), 'length'),
    reject('unknown version', concatBytes(Uint8Array.of(3), good.subarray(1)), 'header'),
    reject('version 1 relabelled 2 (the header is in every chunk)', concatBytes(Uint8Array.of(2), good.subarray(1)), 'chunk'),
    reject('version 2: a length one past the stream', v2(stream(plain, stream(plain).length - 3)), 'length'),
    reject('version 2: a length of 2^32-1', v2(stream(plain, 0xffffffff)), 'length'),
    reject('version 2: a stream shorter than its length field', v2(Uint8Array.of(0, 0)), 'length'),
    reject('version 2: a padding byte not zero', v2(stream(plain, plain.length, 1)), 'padding'),
    reject('another prefix in the header', concatBytes(good.subarray(0, 4), fixed(0x18, 16), good.subarray(20)), 'chunk'),
  ],
};
writeFileSync(join(here, 'attachment.json'), JSON.stringify(out, null, 2) + '\n');
console.log('wrote attachment.json');
