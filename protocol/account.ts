// The account document (DESIGN.md "Account state"): everything about a person that is not history
// and must follow them to every device. Each field is a last-writer-wins register stamped by a
// hybrid logical clock (hlc.ts), the deviceId breaking ties; a few fields have a natural order of
// their own (the newest grant, the latest "last seen", a contact's name by the time in their own
// profile body). merge() is a join: commutative, associative and idempotent, so devices that see
// each other's updates in any order, any number of times, end with one document
// (account.property.test.ts). Every change is itself a small document merged in (patch helpers).
//
// A block is its own register beside the contact's state, so an accept (before or after it) never
// lifts it: only an unblock written later does.
import type { Grant, Revocation } from './grant.ts';
import { compareStamps, isStamp, type Stamp } from './hlc.ts';
import { isSessionId } from './sessionId.ts';
import type { Unblock } from './unblock.ts';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface Reg<T> {
  readonly v: T;
  readonly s: Stamp;
}

export type ContactState = 'accepted' | 'removed';
export type BlockEntry =
  | { readonly blocked: true; readonly revocation: Revocation }
  | { readonly blocked: false; readonly unblock: Unblock };

export interface ContactRecord {
  readonly state?: Reg<ContactState>;
  /** Their display name, ordered by the time in their own profile body (`at`), not by my clock. */
  readonly name?: { readonly v: string; readonly at: number };
  /** The grant they gave me (from: them, to: me): the newest wins. */
  readonly grant?: Grant;
  /** The newest grant I gave them. */
  readonly issued?: { readonly iat: number; readonly exp: number };
  readonly block?: Reg<BlockEntry>;
}

export interface DeviceRecord {
  readonly label?: Reg<string>;
  readonly lastSeen?: number;
}

export const PRIVACY_KEYS = ['sharePresence', 'shareTyping', 'sendReadReceipts'] as const;
export type PrivacyKey = (typeof PRIVACY_KEYS)[number];

export interface AccountDoc {
  readonly profile: { readonly displayName?: Reg<string> };
  readonly privacy: { readonly [K in PrivacyKey]?: Reg<boolean> };
  readonly contacts: Readonly<Record<string, ContactRecord>>;
  /** Per-conversation settings by peer, then by setting name (timers, mutes, …). */
  readonly conversations: Readonly<Record<string, Readonly<Record<string, Reg<Json>>>>>;
  readonly devices: Readonly<Record<string, DeviceRecord>>;
}

export function emptyAccount(): AccountDoc {
  return { profile: {}, privacy: {}, contacts: {}, conversations: {}, devices: {} };
}

// ---- merge -----------------------------------------------------------------------------------------

/** JSON with sorted keys: a total order on values for the (adversarial) case of equal stamps. */
export function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  const o = v as Record<string, unknown>;
  return (
    '{' +
    Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => JSON.stringify(k) + ':' + canonical(o[k]))
      .join(',') +
    '}'
  );
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function pick<T>(a: T | undefined, b: T | undefined, cmp: (a: T, b: T) => number): T | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return cmp(a, b) >= 0 ? a : b;
}

const regCmp = <T>(a: Reg<T>, b: Reg<T>): number => compareStamps(a.s, b.s) || cmpStr(canonical(a.v), canonical(b.v));
const grantCmp = (a: Grant, b: Grant): number => a.iat - b.iat || a.exp - b.exp || cmpStr(canonical(a), canonical(b));
const nameCmp = (a: { v: string; at: number }, b: { v: string; at: number }): number => a.at - b.at || cmpStr(a.v, b.v);
const issuedCmp = (a: { iat: number; exp: number }, b: { iat: number; exp: number }): number => a.iat - b.iat || a.exp - b.exp;

export function mergeReg<T>(a: Reg<T> | undefined, b: Reg<T> | undefined): Reg<T> | undefined {
  return pick(a, b, regCmp);
}

/** Keeps only defined fields, in sorted key order, so equal documents also serialise equally. */
function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if ((o as Record<string, unknown>)[k] !== undefined) out[k] = (o as Record<string, unknown>)[k];
  return out as T;
}

function mergeMap<V>(
  a: Readonly<Record<string, V>>,
  b: Readonly<Record<string, V>>,
  f: (x: V | undefined, y: V | undefined) => V,
): Record<string, V> {
  const out: Record<string, V> = {};
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) out[k] = f(own(a, k), own(b, k));
  return out;
}

function own<V>(o: Readonly<Record<string, V>>, k: string): V | undefined {
  return Object.hasOwn(o, k) ? o[k] : undefined;
}

export function mergeContact(a: ContactRecord = {}, b: ContactRecord = {}): ContactRecord {
  return compact({
    state: mergeReg(a.state, b.state),
    name: pick(a.name, b.name, nameCmp),
    grant: pick(a.grant, b.grant, grantCmp),
    issued: pick(a.issued, b.issued, issuedCmp),
    block: mergeReg(a.block, b.block),
  });
}

function mergeDevice(a: DeviceRecord = {}, b: DeviceRecord = {}): DeviceRecord {
  return compact({ label: mergeReg(a.label, b.label), lastSeen: pick(a.lastSeen, b.lastSeen, (x, y) => x - y) });
}

export function mergeAccount(a: AccountDoc, b: AccountDoc): AccountDoc {
  return {
    profile: compact({ displayName: mergeReg(a.profile.displayName, b.profile.displayName) }),
    privacy: compact(Object.fromEntries(PRIVACY_KEYS.map((k) => [k, mergeReg(a.privacy[k], b.privacy[k])]))),
    contacts: mergeMap(a.contacts, b.contacts, mergeContact),
    conversations: mergeMap(a.conversations, b.conversations, (x = {}, y = {}) => mergeMap(x, y, (r, s) => mergeReg(r, s)!)),
    devices: mergeMap(a.devices, b.devices, mergeDevice),
  };
}

// ---- reading ---------------------------------------------------------------------------------------

export function isBlocked(c: ContactRecord | undefined): boolean {
  return c?.block?.v.blocked === true;
}

/** What a device shows and acts on: a block beats every accept; no record means no contact. */
export function contactStatus(c: ContactRecord | undefined): 'blocked' | ContactState | 'none' {
  if (isBlocked(c)) return 'blocked';
  return c?.state?.v ?? 'none';
}

/** The highest stamp anywhere in the document, so a device's clock can move past it. */
export function latestStamp(doc: AccountDoc): Stamp | undefined {
  let best: Stamp | undefined;
  const see = (r: Reg<unknown> | undefined): void => {
    if (r && (!best || compareStamps(r.s, best) > 0)) best = r.s;
  };
  see(doc.profile.displayName);
  for (const k of PRIVACY_KEYS) see(doc.privacy[k]);
  for (const c of Object.values(doc.contacts)) {
    see(c.state);
    see(c.block);
  }
  for (const conv of Object.values(doc.conversations)) for (const r of Object.values(conv)) see(r);
  for (const d of Object.values(doc.devices)) see(d.label);
  return best;
}

// ---- patches: one change, as a document to merge in ------------------------------------------------

export const patch = {
  contact(peer: string, rec: ContactRecord): AccountDoc {
    return { ...emptyAccount(), contacts: { [peer]: compact(rec) } };
  },
  profileName(name: string, s: Stamp): AccountDoc {
    return { ...emptyAccount(), profile: { displayName: { v: name, s } } };
  },
  privacy(key: PrivacyKey, on: boolean, s: Stamp): AccountDoc {
    return { ...emptyAccount(), privacy: { [key]: { v: on, s } } };
  },
  conversation(peer: string, key: string, v: Json, s: Stamp): AccountDoc {
    return { ...emptyAccount(), conversations: { [peer]: { [key]: { v, s } } } };
  },
  device(deviceId: string, rec: DeviceRecord): AccountDoc {
    return { ...emptyAccount(), devices: { [deviceId]: compact(rec) } };
  },
};

// ---- parsing what a sibling device wrote -----------------------------------------------------------

/** Thrown for a document that decrypted (so my own device wrote it) but is not valid as one. */
export class AccountFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountFormatError';
  }
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isTime = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function reg<T>(x: unknown, value: (v: unknown) => v is T): Reg<T> | undefined {
  if (!isObj(x) || !isStamp(x.s) || !value(x.v)) return undefined;
  return { v: x.v, s: [x.s[0], x.s[1], x.s[2]] };
}

const isStr =
  (max: number) =>
  (v: unknown): v is string =>
    typeof v === 'string' && v.length <= max;
const isBool = (v: unknown): v is boolean => typeof v === 'boolean';
const isJson = (v: unknown): v is Json => v !== undefined && JSON.stringify(v).length <= 4096;
const isState = (v: unknown): v is ContactState => v === 'accepted' || v === 'removed';

function isStatement(x: unknown): x is Revocation {
  return isObj(x) && isSessionId(x.from) && isSessionId(x.to) && isTime(x.iat) && typeof x.edPk === 'string' && typeof x.sig === 'string';
}

function isGrant(x: unknown): x is Grant {
  return isStatement(x) && isTime((x as { exp?: unknown }).exp);
}

const isBlockEntry = (v: unknown): v is BlockEntry =>
  isObj(v) && ((v.blocked === true && isStatement(v.revocation)) || (v.blocked === false && isStatement(v.unblock)));

/**
 * A document from JSON. Signed material inside (grants, revocations) is only shape-checked here:
 * whoever acts on it checks the signature. Malformed parts are dropped, never trusted.
 */
export function parseAccount(raw: unknown): AccountDoc {
  if (!isObj(raw)) throw new AccountFormatError('an account document is a JSON object');
  const out = emptyAccount() as { -readonly [K in keyof AccountDoc]: AccountDoc[K] };
  const profile = isObj(raw.profile) ? raw.profile : {};
  out.profile = compact({ displayName: reg(profile.displayName, isStr(128)) });
  const privacy = isObj(raw.privacy) ? raw.privacy : {};
  out.privacy = compact(Object.fromEntries(PRIVACY_KEYS.map((k) => [k, reg(privacy[k], isBool)])));
  const contacts: Record<string, ContactRecord> = {};
  for (const [peer, c] of Object.entries(isObj(raw.contacts) ? raw.contacts : {})) {
    if (!isSessionId(peer) || !isObj(c)) continue;
    const name = isObj(c.name) && isStr(128)(c.name.v) && isTime(c.name.at) ? { v: c.name.v, at: c.name.at } : undefined;
    const issued = isObj(c.issued) && isTime(c.issued.iat) && isTime(c.issued.exp) ? { iat: c.issued.iat, exp: c.issued.exp } : undefined;
    contacts[peer] = compact({
      state: reg(c.state, isState),
      name,
      grant: isGrant(c.grant) ? c.grant : undefined,
      issued,
      block: reg(c.block, isBlockEntry),
    });
  }
  out.contacts = contacts;
  const conversations: Record<string, Record<string, Reg<Json>>> = {};
  for (const [peer, conv] of Object.entries(isObj(raw.conversations) ? raw.conversations : {})) {
    if (!isSessionId(peer) || !isObj(conv)) continue;
    const settings: Record<string, Reg<Json>> = {};
    for (const [k, r] of Object.entries(conv)) {
      const ok = k.length <= 64 ? reg(r, isJson) : undefined;
      if (ok) settings[k] = ok;
    }
    conversations[peer] = settings;
  }
  out.conversations = conversations;
  const devices: Record<string, DeviceRecord> = {};
  for (const [id, d] of Object.entries(isObj(raw.devices) ? raw.devices : {})) {
    if (!/^[0-9a-f]{32}$/.test(id) || !isObj(d)) continue;
    devices[id] = compact({ label: reg(d.label, isStr(64)), lastSeen: isTime(d.lastSeen) ? d.lastSeen : undefined });
  }
  out.devices = devices;
  return out;
}
