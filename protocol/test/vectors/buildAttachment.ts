// An attachment file built by hand from raw XChaCha20-Poly1305 calls, as protocol/attachment.ts's
// header comment writes the construction (not through attachment.ts): the vectors' source, and the
// only way left to make a version 1 (unpadded) file, which the SDK opens but no longer seals.
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concatBytes } from '../../bytes.ts';

const u32 = (n: number) => Uint8Array.of(n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);

/** `stream` sealed as is (version 1: the file itself; version 2: length ‖ file ‖ padding). order: chunks moved, for rejects. */
export function buildAttachment(
  stream: Uint8Array,
  key: Uint8Array,
  prefix: Uint8Array,
  chunk: number,
  opts: { order?: number[]; version?: number } = {},
): Uint8Array {
  const header = concatBytes(Uint8Array.of(opts.version ?? 1, 0, 0, 0), prefix, u32(chunk));
  const n = Math.max(1, Math.ceil(stream.length / chunk));
  const parts: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const last = i === n - 1 ? 1 : 0;
    const nonce = concatBytes(prefix, u32(i), Uint8Array.of(last, 0, 0, 0));
    const aad = concatBytes(header, u32(i), Uint8Array.of(last));
    parts.push(xchacha20poly1305(key, nonce, aad).encrypt(stream.subarray(i * chunk, (i + 1) * chunk)));
  }
  const order = opts.order ?? parts.map((_, i) => i);
  return concatBytes(header, ...order.map((i) => parts[i]!));
}
