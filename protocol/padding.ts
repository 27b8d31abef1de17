// Padding of box bodies (DESIGN.md "Metadata"; docs/protocol.md "Padding"). Without it a box's size
// gives away the body kind and the exact text length (typing on and off differed by one byte).
//
//   padded = u32be(len(body)) ‖ body ‖ zero bytes, to paddedSize(4 + len(body))
//   paddedSize(n) = 512 for n ≤ 512, else Padmé(n)
//
// Everything a person sends in passing (typing, receipts, short messages, profile, invitations)
// fits in the 512-byte floor, so all of it is one size on the wire. Above the floor, Padmé (Nikitin
// et al., "Reducing Metadata Leakage from Encrypted Files and Communication with PURBs", PETS 2019)
// rounds to a size whose low bits are zero: it leaks O(log log n) bits of the length and costs at
// most ~12% (under 6% past a few KiB), where powers of two would cost up to 100% on large bodies.

export const PAD_FLOOR = 512;
const LENGTH_BYTES = 4;

/** Padmé: keep the top ⌊log2 ⌊log2 L⌋⌋ + 1 bits of L, round the rest up. */
export function padme(length: number): number {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`padme: expected a length, got ${length}`);
  if (length < 2) return length;
  const e = Math.floor(Math.log2(length));
  const s = Math.floor(Math.log2(e)) + 1;
  const lastBits = e - s;
  const mask = 2 ** lastBits - 1;
  return Math.ceil(length / (mask + 1)) * (mask + 1);
}

/** Bytes the padded body occupies for a body of `bodyLength` bytes. */
export function paddedSize(bodyLength: number): number {
  const n = LENGTH_BYTES + bodyLength;
  return n <= PAD_FLOOR ? PAD_FLOOR : padme(n);
}

export function pad(body: Uint8Array): Uint8Array {
  if (body.length > 0xffffffff) throw new RangeError('pad: body too large');
  const out = new Uint8Array(paddedSize(body.length));
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, LENGTH_BYTES);
  return out;
}

/** The body, or undefined when the length is impossible or padding bytes are not zero (one encoding). */
export function unpad(padded: Uint8Array): Uint8Array | undefined {
  if (padded.length < LENGTH_BYTES) return undefined;
  const len = new DataView(padded.buffer, padded.byteOffset, padded.byteLength).getUint32(0);
  if (len > padded.length - LENGTH_BYTES || paddedSize(len) !== padded.length) return undefined;
  for (let i = LENGTH_BYTES + len; i < padded.length; i++) if (padded[i] !== 0) return undefined;
  return padded.slice(LENGTH_BYTES, LENGTH_BYTES + len);
}
