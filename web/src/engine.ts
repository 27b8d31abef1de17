// The lazily loaded half of the app: the SDK and the crypto it stands on (curves, ciphers, hashes,
// the BIP-39 word list). main.tsx starts loading it before the first paint; its content-hashed
// chunks are precached by the service worker, so after the first visit it never hits the network.
import { ed25519 } from '@noble/curves/ed25519.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { describeSessionIdProblem, isValidPhrase, normalisePhrase, normaliseSessionId } from '../../protocol/index.ts';
import { MAX_CONTENT_CHARS } from '../../client/body.ts';

// Straight from its module, not the barrel: the barrel also re-exports IndexedDbStorage, which lives
// in the shell chunk, and would make this chunk import the shell.
export { MessengerClient } from '../../client/messengerClient.ts';
export { IndexedDbAttachmentCache } from '../../client/attachmentCache.ts';
export { contentBytes } from '../../client/contentLimit.ts';
export { describeSessionIdProblem, MAX_CONTENT_CHARS, normaliseSessionId };

// The first secret multiple of the base point (deriving the identity's key at start-up) builds its
// table of multiples: 2080 points with noble's default window of 6, the longest task of a phone's
// start. A window of 4 builds 776; each later multiple costs 97 additions instead of 65 (about a
// millisecond more per signature on a laptop), and an app signs a few times a session, not thousands.
ed25519.Point.BASE.precompute(4);

const WORDS = new Set(wordlist);

/** Why a typed recovery phrase cannot be right, in words a person understands; null when valid. */
export function describePhraseProblem(input: string): string | null {
  const phrase = normalisePhrase(input);
  const words = phrase === '' ? [] : phrase.split(' ');
  if (words.length === 0) return 'Enter your 12-word recovery phrase.';
  const unknown = words.findIndex((w) => !WORDS.has(w));
  if (unknown >= 0) return `Word ${unknown + 1} ("${words[unknown]}") is not in the recovery word list. Check its spelling.`;
  if (words.length !== 12) return `A recovery phrase has 12 words; this one has ${words.length}.`;
  if (!isValidPhrase(phrase)) return 'These 12 words are not a valid recovery phrase: a word may be wrong or in the wrong place.';
  return null;
}
