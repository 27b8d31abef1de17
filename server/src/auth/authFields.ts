// protocol's authFieldsHash for a frame the strict schema accepted, without canonicalJson's generic
// walk: that walk (a key sort per grant, a JSON.stringify per value, a string grown piece by piece)
// and the hash of the deep string it built were a third of a storm's main-thread CPU per device
// with 50 grants (issue 14). Here the frame's shape is known, so its canonical form is written
// directly: keys in sorted order, one string per grant, one join.
//
// Only for frames parseClientFrame returned: every string it lets through in these fields (Session
// IDs, canonical base64, the epoch token, the literal type) needs no JSON escaping, numbers are safe
// integers, and no other key exists. authFields.test.ts holds the result to authFieldsHash on
// frames drawn from the schema itself.
import { hash } from 'node:crypto';
import type { ClientFrames, Grant, Revocation } from '../../../protocol/index.ts';

type AuthFrame = ClientFrames['auth'];

// Sorted keys (canonicalJson sorts by UTF-16 code unit): edPk, exp, from, iat, sig, to.
const grantText = (g: Grant): string =>
  `{"edPk":"${g.edPk}","exp":${g.exp},"from":"${g.from}","iat":${g.iat},"sig":"${g.sig}","to":"${g.to}"}`;

const revocationText = (r: Revocation): string => `{"edPk":"${r.edPk}","from":"${r.from}","iat":${r.iat},"sig":"${r.sig}","to":"${r.to}"}`;

function list<T>(items: readonly T[], text: (item: T) => string): string {
  if (items.length === 0) return '';
  const parts = new Array<string>(items.length);
  for (let i = 0; i < items.length; i++) parts[i] = text(items[i]!);
  // join makes one flat string: the hash then reads it once instead of flattening a rope.
  return parts.join(',');
}

/** SHA-256 of the canonical JSON of the frame's fields not signed directly (authFieldsHash). */
export function authFieldsSha256(f: AuthFrame): Uint8Array {
  // Sorted: edPublicKey, grants, hidePresence, resume, revocations, type.
  let s = `{"edPublicKey":"${f.edPublicKey}","grants":[${list(f.grants, grantText)}]`;
  if (f.hidePresence !== undefined) s += `,"hidePresence":${f.hidePresence}`;
  if (f.resume !== undefined) s += `,"resume":{"epoch":"${f.resume.epoch}","offset":${f.resume.offset}}`;
  s += `,"revocations":[${list(f.revocations, revocationText)}],"type":"auth"}`;
  return hash('sha256', s, 'buffer');
}
