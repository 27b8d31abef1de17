// Generated hostile frames for the fuzz test: random bytes, binary frames, truncated and mutated
// valid frames, deep and huge JSON, a wrong type in every field, server frame types sent by a
// client, and every client frame type well-formed (for every connection state). Seeded, so a
// failing run can be replayed with the seed it printed.
import { createPrivateKey, sign as nodeSign, type KeyObject } from 'node:crypto';
import {
  authMessage,
  unsignedAuthFrame,
  createGrant,
  createRevocation,
  randomId,
  toBase64,
  type ClientFrames,
  type Grant,
  type Identity,
  type Revocation,
  type SessionId,
} from '../../../protocol/index.ts';
import { clone, fieldPaths, setAt } from './jsonPaths.ts';

export type FuzzKind =
  | 'valid'
  | 'random_text'
  | 'binary'
  | 'truncated'
  | 'mutated'
  | 'deep'
  | 'huge'
  | 'wrong_type'
  | 'missing_field'
  | 'extra_field'
  | 'server_type'
  | 'odd_json';

export const CLIENT_TYPES = [
  'auth',
  'send',
  'ack',
  'invite',
  'invite_accept',
  'invite_decline',
  'invite_cancel',
  'grants',
  'revoke',
  'presence_sub',
  'presence_unsub',
  'privacy',
  'ping',
] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];
const SERVER_TYPES = [
  'hello',
  'ready',
  'envelope',
  'sent',
  'delivered',
  'invitation',
  'invitation_update',
  'presence',
  'ok',
  'error',
  'pong',
];

export interface Fuzzed {
  readonly kind: FuzzKind;
  readonly data: string | Buffer;
  readonly binary: boolean;
  /** The client frame type it was made from, if any (for coverage). */
  readonly type?: ClientType;
  /** Whether the server counts it towards TOO_MANY_ERRORS (roughly: a correct client never sends it). */
  readonly misbehaves: boolean;
}

/** mulberry32: fast, seedable; not for secrets (there are none here). */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed | 0;
  }
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  float(): number {
    return this.u32() / 2 ** 32;
  }
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.float() < p;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 255;
    return out;
  }
  hex(chars: number): string {
    let s = '';
    while (s.length < chars) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, chars);
  }
}

/** Signed material per fuzz identity, made once (signing is the slow part). */
export interface Material {
  readonly identity: Identity;
  readonly grants: Grant[];
  readonly revocations: Revocation[];
  /** Grants signed by someone else but presented as this identity's (forgeries). */
  readonly forged: Grant[];
  /** Node's native Ed25519 key (protocol's noble signer is ~30× slower; the fuzzer signs a lot). */
  readonly key: KeyObject;
}

/** The auth frame createAuthFrame would make (Ed25519 is deterministic), signed natively. */
export function nativeAuth(m: Material, deviceId: string, hello: { nonce: string; epoch: string }, url: string): ClientFrames['auth'] {
  const frame = unsignedAuthFrame({ identity: m.identity, deviceId, nonce: hello.nonce, url });
  return { ...frame, signature: toBase64(nodeSign(null, authMessage(frame, hello.epoch), m.key)) };
}

export function material(identity: Identity, others: readonly Identity[], now = Date.now()): Material {
  const grants = others.slice(0, 4).map((o) => createGrant(identity, o.sessionId as SessionId, now));
  const revocations = others.slice(0, 2).map((o) => createRevocation(identity, o.sessionId as SessionId, now));
  const forged = others.slice(0, 2).map((o) => ({ ...createGrant(o, identity.sessionId as SessionId, now), from: others[3]!.sessionId }));
  const b64url = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(identity.edSecretKey), x: b64url(identity.edPublicKey) },
    format: 'jwk',
  });
  return { identity, grants, revocations, forged, key };
}

const WRONG_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 64,
  -(2 ** 60),
  '',
  'x'.repeat(70),
  '05' + 'g'.repeat(64),
  '05' + 'A'.repeat(64),
  'AAAA====',
  '\ud800',
  [],
  [null],
  {},
  { __proto__: null, polluted: true },
  [[[[[]]]]],
];

export class FrameFactory {
  constructor(
    private readonly rng: Rng,
    private readonly mats: readonly Material[],
  ) {}

  private sid(): string {
    return this.rng.chance(0.7) ? this.rng.pick(this.mats).identity.sessionId : '05' + this.rng.hex(64);
  }

  private ct(max = 96): string {
    return this.rng.bytes(1 + this.rng.int(max)).toString('base64');
  }

  /** A schema-valid client frame of `type`, as `me` might send it (or a hostile look-alike). */
  valid(type: ClientType, me: Material, auth?: () => object): Record<string, unknown> {
    const r = this.rng;
    const other = r.pick(this.mats);
    switch (type) {
      case 'auth':
        return (
          (auth?.() as Record<string, unknown>) ?? {
            type: 'auth',
            sessionId: me.identity.sessionId,
            edPublicKey: Buffer.alloc(32).toString('base64'),
            deviceId: r.hex(32),
            nonce: r.bytes(32).toString('base64'),
            signature: r.bytes(64).toString('base64'),
            grants: [],
            revocations: [],
          }
        );
      case 'send':
        return r.chance(0.1)
          ? { type: 'send', id: r.hex(32), to: this.sid(), ct: this.ct(), ephemeral: true }
          : { type: 'send', id: r.hex(32), to: r.chance(0.3) ? me.identity.sessionId : this.sid(), ct: this.ct() };
      case 'ack':
        return { type: 'ack', offset: 1 + r.int(r.chance(0.5) ? 10 : 2 ** 40) };
      case 'invite':
        return { type: 'invite', id: randomId(), to: other.identity.sessionId, ct: this.ct(), grant: r.pick([...me.grants, ...me.forged]) };
      case 'invite_accept':
        return { type: 'invite_accept', id: r.hex(32), grant: r.pick(me.grants) };
      case 'invite_decline':
        return { type: 'invite_decline', id: r.hex(32) };
      case 'invite_cancel':
        return { type: 'invite_cancel', id: r.hex(32) };
      case 'grants':
        return { type: 'grants', grants: r.chance(0.5) ? [r.pick(other.grants)] : [r.pick(me.forged), r.pick(other.grants)] };
      case 'revoke':
        return { type: 'revoke', revocation: r.chance(0.7) ? r.pick(me.revocations) : r.pick(other.revocations) };
      case 'presence_sub':
        return { type: 'presence_sub', ids: Array.from({ length: 1 + r.int(4) }, () => this.sid()) };
      case 'presence_unsub':
        return { type: 'presence_unsub', ids: Array.from({ length: r.int(4) }, () => this.sid()) };
      case 'privacy':
        return { type: 'privacy', hidePresence: r.chance(0.5) };
      case 'ping':
        return r.chance(0.5) ? { type: 'ping' } : { type: 'ping', t: r.int(2 ** 31) };
    }
  }

  /** A valid frame that shares nothing with the material, so it can be mutated. */
  private fresh(type: ClientType, me: Material, auth?: () => object): Record<string, unknown> {
    return clone(this.valid(type, me, auth)) as Record<string, unknown>;
  }

  /** Frames a correct client may send and the server refuses without counting it against the socket. */
  private benign(me: Material): { type: ClientType; frame: Record<string, unknown> } {
    const r = this.rng;
    const type = r.pick<ClientType>([
      'send',
      'send',
      'ack',
      'invite',
      'invite_accept',
      'invite_decline',
      'invite_cancel',
      'presence_sub',
      'presence_unsub',
      'privacy',
      'ping',
      'revoke',
    ]);
    if (type === 'invite') {
      // A grant that fits the invitee: refused for rate, duplicates or pending limits, if at all.
      const g = r.pick(me.grants);
      return { type, frame: { type, id: randomId(), to: g.to, ct: this.ct(), grant: g } };
    }
    if (type === 'revoke') return { type, frame: { type, revocation: r.pick(me.revocations) } };
    return { type, frame: this.valid(type, me) };
  }

  /**
   * One generated frame. `misbehaviourRate` is the share of frames a correct client never sends
   * (malformed, or well-formed but forged); ten of those end a socket (TOO_MANY_ERRORS).
   */
  next(me: Material, misbehaviourRate: number, maxFrameBytes: number, auth?: () => object): Fuzzed {
    const r = this.rng;
    if (!r.chance(misbehaviourRate)) {
      const { type, frame } = this.benign(me);
      return { kind: 'valid', data: JSON.stringify(frame), binary: false, type, misbehaves: false };
    }
    const type = r.pick(CLIENT_TYPES);
    const text = (): string => JSON.stringify(this.valid(type, me, auth));
    const kind = r.pick<FuzzKind>([
      'valid',
      'random_text',
      'binary',
      'truncated',
      'mutated',
      'deep',
      'huge',
      'wrong_type',
      'missing_field',
      'extra_field',
      'server_type',
      'odd_json',
      'wrong_type',
      'mutated',
      'truncated',
    ]);
    const out = (data: string | Buffer, binary = false): Fuzzed => ({ kind, data, binary, type, misbehaves: true });
    switch (kind) {
      case 'valid':
        // Every type, hostile as can be: a second auth, forged grants, someone else's block.
        return out(text());
      case 'random_text': {
        const n = r.chance(0.05) ? 1000 + r.int(20_000) : r.int(200);
        let s = '';
        for (let i = 0; i < n; i++) s += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(0xffff));
        return out(s);
      }
      case 'binary':
        return out(r.chance(0.3) ? Buffer.from(text()) : r.bytes(r.int(r.chance(0.05) ? 60_000 : 300)), true);
      case 'truncated': {
        const t = text();
        return out(t.slice(0, r.int(t.length)));
      }
      case 'mutated': {
        const chars = [...text()];
        const edits = 1 + r.int(4);
        for (let i = 0; i < edits; i++) {
          const at = r.int(chars.length);
          const op = r.int(3);
          if (op === 0) chars[at] = String.fromCharCode(r.int(128));
          else if (op === 1) chars.splice(at, 1);
          else chars.splice(at, 0, r.pick(['"', '{', '}', '[', ']', ',', ':', '\\', '0', 'e9', '\u0000']));
        }
        return out(chars.join(''));
      }
      case 'deep': {
        const d = 100 + r.int(30_000);
        const shape = r.int(3);
        if (shape === 0) return out('['.repeat(d) + ']'.repeat(d));
        if (shape === 1) return out('{"a":'.repeat(Math.min(d, 10_000)) + '1' + '}'.repeat(Math.min(d, 10_000)));
        // Deep inside a field of an otherwise plausible frame.
        const inner = '['.repeat(d) + ']'.repeat(d);
        return out(`{"type":"${type}","id":${inner},"to":${inner}}`);
      }
      case 'huge': {
        // Just under, over, and over twice the limit (the last is cut by uWS itself).
        const size = r.pick([maxFrameBytes - 200, maxFrameBytes + 10, 2 * maxFrameBytes + 1000, 3 * maxFrameBytes]);
        const shape = r.int(3);
        if (shape === 0)
          return out(
            JSON.stringify({ type: 'send', id: r.hex(32), to: me.identity.sessionId, ct: 'A'.repeat(Math.max(4, size - 150) & ~3) }),
          );
        if (shape === 1)
          return out(JSON.stringify({ type: 'presence_sub', ids: Array.from({ length: Math.floor(size / 70) }, () => this.sid()) }));
        return out(JSON.stringify({ type: 'ping', pad: 'x'.repeat(size) }));
      }
      case 'wrong_type': {
        const f = this.fresh(type, me, auth);
        const paths = fieldPaths(f);
        const path = r.pick(paths);
        setAt(f, path, clone(r.pick(WRONG_VALUES)));
        return out(JSON.stringify(f));
      }
      case 'missing_field': {
        const f = this.fresh(type, me, auth);
        const keys = Object.keys(f);
        delete f[r.pick(keys)];
        return out(JSON.stringify(f));
      }
      case 'extra_field': {
        const f = this.fresh(type, me, auth);
        f[r.pick(['__proto__', 'constructor', 'prototype', 'toString', 'x', 'offset', 'from'])] = clone(r.pick(WRONG_VALUES));
        return out(JSON.stringify(f).replace('"toString"', '"__proto__"'));
      }
      case 'server_type':
        return out(
          JSON.stringify({
            type: r.pick([...SERVER_TYPES, 'AUTH', 'Send', '', 'constructor', '__proto__', 'hasOwnProperty']),
            id: r.hex(32),
          }),
        );
      case 'odd_json':
        return out(
          r.pick([
            'null',
            '[]',
            '"auth"',
            '1e400',
            '-0',
            'true',
            '{}',
            '{"type":null}',
            '{"type":"ping","type":"send"}',
            '\ufeff{"type":"ping"}',
            '{"type":"ping","t":1e400}',
            '{"type":"ping","t":-0}',
            '{"type":"ack","offset":1.0000000000000002}',
            '{"type":"ack","offset":9007199254740993}',
            '{"type":"privacy","hidePresence":"false"}',
            '{"__proto__":{"type":"ping"}}',
            '{"type":"ping"}garbage',
            '',
            ' ',
          ]),
        );
      default:
        return out(text());
    }
  }
}
