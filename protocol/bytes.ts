// Byte helpers shared by server and clients. Pure: no DOM, no node: imports.
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export { bytesToHex, concatBytes, hexToBytes, utf8ToBytes };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4): the wire encoding of every binary field. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/** Decoded length of a canonical base64 string, or -1 when it is not canonical base64. */
export function base64Length(s: string): number {
  if (s.length % 4 !== 0) return -1;
  let pad = 0;
  if (s.endsWith('==')) pad = 2;
  else if (s.endsWith('=')) pad = 1;
  const body = s.length - pad;
  for (let i = 0; i < body; i++) {
    const c = s.charCodeAt(i);
    if (c > 127 || B64_INDEX[c]! < 0) return -1;
  }
  // Non-zero bits in the last symbol's unused low bits would give two encodings of one value.
  if (pad > 0) {
    const last = B64_INDEX[s.charCodeAt(body - 1)]!;
    if ((pad === 2 && (last & 15) !== 0) || (pad === 1 && (last & 3) !== 0)) return -1;
  }
  return (s.length / 4) * 3 - pad;
}

export function fromBase64(s: string): Uint8Array {
  const len = base64Length(s);
  if (len < 0) throw new TypeError('expected canonical base64');
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const a = B64_INDEX[s.charCodeAt(i)]!;
    const b = B64_INDEX[s.charCodeAt(i + 1)]!;
    const c = s[i + 2] === '=' ? 0 : B64_INDEX[s.charCodeAt(i + 2)]!;
    const d = s[i + 3] === '=' ? 0 : B64_INDEX[s.charCodeAt(i + 3)]!;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (o < len) out[o++] = n >> 16;
    if (o < len) out[o++] = (n >> 8) & 255;
    if (o < len) out[o++] = n & 255;
  }
  return out;
}

export function utf8Decode(bytes: Uint8Array): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** 8-byte big-endian encoding of a non-negative safe integer (timestamps in signed statements). */
export function u64be(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`expected a non-negative safe integer, got ${n}`);
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.floor(n / 2 ** 32));
  view.setUint32(4, n >>> 0);
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}
