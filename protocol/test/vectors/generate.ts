// Regenerates the deterministic vectors in this folder: `npx tsx protocol/test/vectors/generate.ts`.
// Every value is derived from fixed inputs, so a change here means the construction changed.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  bytesToHex,
  concatBytes,
  createGrant,
  createRevocation,
  hexToBytes,
  identityFromEntropy,
  phraseFromIdentity,
  boxSize,
  pad,
  seal,
  sign,
  toBase64,
  type Identity,
} from '../../index.ts';
import { x25519 } from '@noble/curves/ed25519.js';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '../../bytes.ts';

const here = dirname(fileURLToPath(import.meta.url));
const fixed = (byte: number, n = 16) => new Uint8Array(n).fill(byte);
const alice = identityFromEntropy(fixed(0xa1));
const bob = identityFromEntropy(fixed(0xb0));
const carol = identityFromEntropy(fixed(0xc0));
const T0 = 1_780_000_000_000;

function idVector(entropyHex: string) {
  const id = identityFromEntropy(hexToBytes(entropyHex));
  return {
    entropy: entropyHex,
    phrase: phraseFromIdentity(id),
    edPublicKey: bytesToHex(id.edPublicKey),
    xPublicKey: bytesToHex(id.xPublicKey),
    sessionId: id.sessionId,
  };
}

// A box built by hand from an arbitrary inner, for the attacks that seal() refuses to produce.
function rawBox(recipientX: Uint8Array, inner: Uint8Array, eByte: number, nonceByte: number): Uint8Array {
  const e = fixed(eByte, 32);
  const E = x25519.getPublicKey(e);
  const key = hkdf(sha256, x25519.getSharedSecret(e, recipientX), concatBytes(E, recipientX), utf8ToBytes('session-messenger/box/v2'), 32);
  const aad = concatBytes(Uint8Array.of(2), E);
  return concatBytes(aad, fixed(nonceByte, 24), xchacha20poly1305(key, fixed(nonceByte, 24), aad).encrypt(inner));
}

function innerOf(sender: Identity, recipientX: Uint8Array, body: Uint8Array, signer: Identity = sender, padded = pad(body)): Uint8Array {
  const sig = sign(concatBytes(body, sender.edPublicKey, recipientX), signer.edSecretKey);
  return concatBytes(Uint8Array.of(5), sender.xPublicKey, sender.edPublicKey, sig, padded);
}

const body = utf8ToBytes(
  JSON.stringify({ t: 'msg', id: '00112233445566778899aabbccddeeff', ts: T0, content: 'hello bob', messageType: 'text' }),
);
const good = seal(alice, bob.sessionId, body, { ephemeralSecretKey: fixed(0x11, 32), nonce: fixed(0x22, 24) });
const tampered = good.slice();
tampered[good.length - 20]! ^= 0x01;
const toCarol = seal(alice, carol.sessionId, body, { ephemeralSecretKey: fixed(0x12, 32), nonce: fixed(0x23, 24) });
// Carol re-wraps the inner she decrypted (signed for Carol's key) in a fresh box to Bob.
const forwarded = rawBox(bob.xPublicKey, innerOf(alice, carol.xPublicKey, body), 0x13, 0x24);
// Carol signs with her own key but claims to be Alice.
const impersonated = rawBox(
  bob.xPublicKey,
  concatBytes(
    Uint8Array.of(5),
    alice.xPublicKey,
    carol.edPublicKey,
    sign(concatBytes(body, carol.edPublicKey, bob.xPublicKey), carol.edSecretKey),
    pad(body),
  ),
  0x14,
  0x25,
);
// Alice's key and ID, but a signature over a different body.
const badSig = rawBox(
  bob.xPublicKey,
  concatBytes(
    Uint8Array.of(5),
    alice.xPublicKey,
    alice.edPublicKey,
    sign(concatBytes(utf8ToBytes('other'), alice.edPublicKey, bob.xPublicKey), alice.edSecretKey),
    pad(body),
  ),
  0x15,
  0x26,
);
const lowOrderE = concatBytes(Uint8Array.of(2), new Uint8Array(32), good.subarray(33));
const version1 = concatBytes(Uint8Array.of(1), good.subarray(1));
const version3 = concatBytes(Uint8Array.of(3), good.subarray(1));
// Padding that is not the one encoding: a non-zero filler byte, a length beyond the padded area,
// and a body padded to the wrong bucket (a bigger one: sizes must not be chosen by the sender).
const dirty = pad(body);
dirty[dirty.length - 1] = 1;
const overlong = pad(body);
new DataView(overlong.buffer).setUint32(0, overlong.length);
const oversized = concatBytes(pad(body), new Uint8Array(512));
const dirtyPad = rawBox(bob.xPublicKey, innerOf(alice, bob.xPublicKey, body, alice, dirty), 0x16, 0x27);
const overlongPad = rawBox(bob.xPublicKey, innerOf(alice, bob.xPublicKey, body, alice, overlong), 0x17, 0x28);
const oversizedPad = rawBox(bob.xPublicKey, innerOf(alice, bob.xPublicKey, body, alice, oversized), 0x18, 0x29);

const grant = createGrant(alice, bob.sessionId, T0, 30 * 86400_000);
const revocation = createRevocation(alice, bob.sessionId, T0 + 1000);

const vectors = {
  identity: {
    source: 'entropy → BIP-39 (Trezor reference vectors for the phrases) → HKDF-SHA256 → Ed25519 → X25519; computed with this repo',
    valid: [
      '00000000000000000000000000000000',
      '7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f',
      'ffffffffffffffffffffffffffffffff',
      'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1',
    ].map(idVector),
    invalidPhrases: [
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon',
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about',
      'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abuot',
      '',
    ],
  },
  sessionIds: {
    invalid: [
      '',
      '05',
      bob.sessionId.slice(0, 65),
      bob.sessionId + '0',
      '06' + bob.sessionId.slice(2),
      bob.sessionId.toUpperCase(),
      bob.sessionId.slice(0, 10) + 'g' + bob.sessionId.slice(11),
      ' ' + bob.sessionId + 'x',
    ],
  },
  box: {
    source: 'DESIGN.md box v2 (padded: 512-byte floor, then Padmé) with pinned ephemeral key and nonce; computed with this repo',
    senderEntropy: bytesToHex(alice.entropy),
    recipientEntropy: bytesToHex(bob.entropy),
    otherEntropy: bytesToHex(carol.entropy),
    body: bytesToHex(body),
    ephemeralSecretKey: bytesToHex(fixed(0x11, 32)),
    nonce: bytesToHex(fixed(0x22, 24)),
    box: toBase64(good),
    reject: [
      { name: 'tampered ciphertext', box: toBase64(tampered), reason: 'decrypt' },
      { name: 'truncated', box: toBase64(good.subarray(0, 150)), reason: 'truncated' },
      { name: 'wrong recipient (sealed to Carol, opened by Bob)', box: toBase64(toCarol), reason: 'decrypt' },
      { name: 'forwarded: inner signed for Carol re-wrapped to Bob', box: toBase64(forwarded), reason: 'signature' },
      { name: 'impersonation: Carol key claiming Alice ID', box: toBase64(impersonated), reason: 'sender' },
      { name: 'bad signature', box: toBase64(badSig), reason: 'signature' },
      { name: 'low-order ephemeral key', box: toBase64(lowOrderE), reason: 'key' },
      { name: 'version 1 (unpadded) is no longer accepted', box: toBase64(version1), reason: 'version' },
      { name: 'unknown version', box: toBase64(version3), reason: 'version' },
      { name: 'non-zero padding byte', box: toBase64(dirtyPad), reason: 'padding' },
      { name: 'length beyond the padded area', box: toBase64(overlongPad), reason: 'padding' },
      { name: 'padded to a bigger bucket than the body needs', box: toBase64(oversizedPad), reason: 'padding' },
    ],
    /** Box bytes for a body of each length: one size up to 508, Padmé above. */
    sizes: [0, 1, 100, 508, 509, 600, 1000, 4096, 65_000].map((n) => ({ body: n, box: boxSize(n) })),
  },
  grant: {
    source: 'grant/v1 and revoke/v1 statements signed by Alice for Bob at a fixed time; computed with this repo',
    now: T0 + 1,
    grant,
    revocation,
    reject: [
      { name: 'expired', grant, now: grant.exp, code: 'GRANT_EXPIRED' },
      { name: 'presented by someone else', grant, holder: carol.sessionId, code: 'GRANT_INVALID' },
      { name: 'extended expiry', grant: { ...grant, exp: grant.exp + 1 }, code: 'GRANT_INVALID' },
      { name: 'key of another identity', grant: { ...grant, edPk: toBase64(carol.edPublicKey) }, code: 'GRANT_INVALID' },
      { name: 'granter swapped', grant: { ...grant, from: carol.sessionId }, code: 'GRANT_INVALID' },
      { name: 'signature bit flipped', grant: { ...grant, sig: toBase64(flip(grant.sig)) }, code: 'GRANT_INVALID' },
    ],
  },
};

function flip(b64: string): Uint8Array {
  const bytes = Uint8Array.from(Buffer.from(b64, 'base64'));
  bytes[0]! ^= 1;
  return bytes;
}

writeFileSync(join(here, 'vectors.json'), JSON.stringify(vectors, null, 2) + '\n');
console.log('wrote vectors.json');
