// Identity: 16 bytes of entropy ⇄ 12-word BIP-39 phrase → Ed25519 key pair → X25519 key pair → Session ID.
import { ed25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { utf8ToBytes } from './bytes.ts';
import { randomBytes } from './random.ts';
import { sessionIdFromX25519, type SessionId } from './sessionId.ts';

const IDENTITY_INFO = utf8ToBytes('session-messenger/identity/v1');

export interface Identity {
  readonly sessionId: SessionId;
  readonly entropy: Uint8Array;
  readonly edSecretKey: Uint8Array;
  readonly edPublicKey: Uint8Array;
  readonly xSecretKey: Uint8Array;
  readonly xPublicKey: Uint8Array;
}

export function identityFromEntropy(entropy: Uint8Array): Identity {
  if (entropy.length !== 16) throw new TypeError(`entropy: expected 16 bytes, got ${entropy.length}`);
  const seed = hkdf(sha256, entropy, undefined, IDENTITY_INFO, 32);
  const edPublicKey = ed25519.getPublicKey(seed);
  const xPublicKey = ed25519.utils.toMontgomery(edPublicKey);
  const xSecretKey = ed25519.utils.toMontgomerySecret(seed);
  return {
    sessionId: sessionIdFromX25519(xPublicKey),
    entropy: Uint8Array.from(entropy),
    edSecretKey: seed,
    edPublicKey,
    xSecretKey,
    xPublicKey,
  };
}

export function createIdentity(): Identity {
  return identityFromEntropy(randomBytes(16));
}

export function normalisePhrase(phrase: string): string {
  return phrase.trim().toLowerCase().split(/\s+/).join(' ');
}

export function isValidPhrase(phrase: string): boolean {
  const p = normalisePhrase(phrase);
  return p.split(' ').length === 12 && validateMnemonic(p, wordlist);
}

export function identityFromPhrase(phrase: string): Identity {
  const p = normalisePhrase(phrase);
  const words = p.split(' ').length;
  if (words !== 12) throw new TypeError(`recovery phrase: expected 12 words, got ${words}`);
  if (!validateMnemonic(p, wordlist)) throw new TypeError('recovery phrase: a word is misspelt or the checksum does not match');
  return identityFromEntropy(mnemonicToEntropy(p, wordlist));
}

export function phraseFromIdentity(identity: Pick<Identity, 'entropy'>): string {
  return entropyToMnemonic(identity.entropy, wordlist);
}
