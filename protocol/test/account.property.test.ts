// The account document's merge is a join: any interleaving of updates from three devices, delivered
// in any order and any number of times, converges to one document.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  canonical,
  contactStatus,
  emptyAccount,
  mergeAccount,
  parseAccount,
  patch,
  PRIVACY_KEYS,
  type AccountDoc,
  type BlockEntry,
  type ContactState,
} from '../account.ts';
import { Hlc, type Stamp } from '../hlc.ts';

const DEVICES = ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)];
const PEERS = ['05' + '1'.repeat(64), '05' + '2'.repeat(64), '05' + '3'.repeat(64)];
const ME = '05' + '9'.repeat(64);
const statement = (to: string, iat: number) => ({ from: ME, to, iat, edPk: 'pk', sig: 'sig' + iat });

const stamp = fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: 0, max: 3 }), fc.constantFrom(...DEVICES)) as fc.Arbitrary<Stamp>;
const peer = fc.constantFrom(...PEERS);
const time = fc.integer({ min: 0, max: 5 });

/** One change, as the patch a device would merge in. */
const update: fc.Arbitrary<AccountDoc> = fc.oneof(
  fc.tuple(peer, fc.constantFrom<ContactState>('accepted', 'removed'), stamp).map(([p, v, s]) => patch.contact(p, { state: { v, s } })),
  fc.tuple(peer, fc.constantFrom('Ann', 'Bob', 'Cy'), time).map(([p, v, at]) => patch.contact(p, { name: { v, at } })),
  fc
    .tuple(peer, time, time)
    .map(([p, iat, d]) => patch.contact(p, { grant: { from: p, to: ME, iat, exp: iat + d + 1, edPk: 'pk', sig: `s${iat}${d}` } })),
  fc.tuple(peer, time, time).map(([p, iat, d]) => patch.contact(p, { issued: { iat, exp: iat + d } })),
  fc.tuple(peer, fc.boolean(), time, stamp).map(([p, blocked, iat, s]) => {
    const v: BlockEntry = blocked ? { blocked, revocation: statement(p, iat) } : { blocked, unblock: statement(p, iat) };
    return patch.contact(p, { block: { v, s } });
  }),
  fc.tuple(fc.constantFrom('Me', 'Myself'), stamp).map(([n, s]) => patch.profileName(n, s)),
  fc.tuple(fc.constantFrom(...PRIVACY_KEYS), fc.boolean(), stamp).map(([k, on, s]) => patch.privacy(k, on, s)),
  fc
    .tuple(peer, fc.constantFrom('mute', 'timer'), fc.oneof(fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.constant(null)), stamp)
    .map(([p, k, v, s]) => patch.conversation(p, k, v, s)),
  fc
    .tuple(fc.constantFrom(...DEVICES), fc.option(fc.constantFrom('phone', 'laptop')), fc.option(time), stamp)
    .map(([d, label, seen, s]) => patch.device(d, { label: label === null ? undefined : { v: label, s }, lastSeen: seen ?? undefined })),
);

const doc = fc.array(update, { maxLength: 12 }).map((us) => us.reduce(mergeAccount, emptyAccount()));
const same = (a: AccountDoc, b: AccountDoc) => expect(canonical(a)).toBe(canonical(b));

describe('account document merge', () => {
  it('is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(doc, doc, doc, (a, b, c) => {
        same(mergeAccount(a, b), mergeAccount(b, a));
        same(mergeAccount(mergeAccount(a, b), c), mergeAccount(a, mergeAccount(b, c)));
        same(mergeAccount(a, a), a);
        same(mergeAccount(a, emptyAccount()), a);
      }),
      { numRuns: 300 },
    );
  });

  it('converges on three devices whatever the order and repetition of deliveries', () => {
    const ops = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), update), { maxLength: 24 });
    // A sync step: device `to` merges the current state of device `from`.
    const syncs = fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 24 })), {
      maxLength: 30,
    });
    fc.assert(
      fc.property(ops, syncs, (ops, syncs) => {
        const state = [emptyAccount(), emptyAccount(), emptyAccount()];
        const byStep = new Map<number, [number, number][]>();
        for (const [from, to, at] of syncs) byStep.set(at, [...(byStep.get(at) ?? []), [from, to]]);
        ops.forEach(([dev, u], i) => {
          state[dev] = mergeAccount(state[dev]!, u);
          for (const [from, to] of byStep.get(i) ?? []) state[to] = mergeAccount(state[to]!, state[from]!);
        });
        // Everyone eventually hears from everyone (two rounds of a ring).
        for (let round = 0; round < 2; round++)
          for (let d = 0; d < 3; d++) state[(d + 1) % 3] = mergeAccount(state[(d + 1) % 3]!, state[d]!);
        const all = ops.map(([, u]) => u).reduce(mergeAccount, emptyAccount());
        for (const s of state) same(s, all);
        // And a JSON round trip (what the sealed blob carries) changes nothing.
        same(parseAccount(JSON.parse(JSON.stringify(all))), all);
      }),
      { numRuns: 300 },
    );
  });
});

describe('blocks and accepts', () => {
  const p = PEERS[0]!;
  const block = (s: Stamp): AccountDoc => patch.contact(p, { block: { v: { blocked: true, revocation: statement(p, s[0]) }, s } });
  const unblock = (s: Stamp): AccountDoc => patch.contact(p, { block: { v: { blocked: false, unblock: statement(p, s[0]) }, s } });
  const accept = (s: Stamp): AccountDoc => patch.contact(p, { state: { v: 'accepted', s } });

  it('a block beats an accept made before it and one made after it; only a later unblock lifts it', () => {
    const laptop = new Hlc(DEVICES[0]!, () => 100);
    const phone = new Hlc(DEVICES[1]!, () => 50); // its clock lags
    const a = accept(laptop.tick());
    const b = block(phone.tick());
    // The phone's block was stamped before the laptop's accept by wall time, yet it stands.
    expect(contactStatus(mergeAccount(a, b).contacts[p])).toBe('blocked');
    const late = accept(laptop.tick());
    expect(contactStatus([a, b, late].reduce(mergeAccount).contacts[p])).toBe('blocked');
    phone.observe(laptop.tick());
    const u = unblock(phone.tick());
    expect(contactStatus([u, late, b, a].reduce(mergeAccount).contacts[p])).toBe('accepted');
    // An old block replayed after the unblock changes nothing.
    expect(contactStatus([a, b, u, b].reduce(mergeAccount).contacts[p])).toBe('accepted');
  });

  it('a device that has seen a stamp writes after it even with a clock weeks behind', () => {
    const ahead = new Hlc(DEVICES[2]!, () => 3 * 7 * 86_400_000);
    const behind = new Hlc(DEVICES[0]!, () => 1000);
    const first = ahead.tick();
    behind.observe(first);
    const second = behind.tick();
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1] + 1);
  });

  it('parse drops malformed parts instead of trusting them', () => {
    const parsed = parseAccount({
      profile: { displayName: { v: 42, s: [1, 0, 'a'] } },
      contacts: {
        'not-an-id': { state: { v: 'accepted', s: [1, 0, 'a'] } },
        [p]: { state: { v: 'friend', s: [1, 0, 'a'] }, name: { v: 'Ann', at: 3 } },
      },
      devices: { [DEVICES[0]!]: { lastSeen: -1, label: { v: 'phone', s: [2, 0, 'a'] } } },
    });
    expect(parsed).toEqual({
      profile: {},
      privacy: {},
      contacts: { [p]: { name: { v: 'Ann', at: 3 } } },
      conversations: {},
      devices: { [DEVICES[0]!]: { label: { v: 'phone', s: [2, 0, 'a'] } } },
    });
    expect(() => parseAccount([])).toThrow(/JSON object/);
  });
});
