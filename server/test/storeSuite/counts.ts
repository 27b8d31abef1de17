// The aggregate counts behind /stats and /metrics, compared as differences (a shared store holds
// other tests' data too).
import { expect, it } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import { envelope, invitation, LIMITS, newSid, type StoreUnderTest } from './fixtures.ts';
import { frameString } from '../../src/store/types.ts';

export function countTests(ctx: StoreUnderTest): void {
  it('counts streams, entries, bytes and pending invitations in aggregate', async () => {
    const { store, t } = ctx;
    const [a, b, s] = [newSid(), newSid(), newSid()];
    const d = randomId();
    const before = await store.counts();
    const texts: string[] = [];
    for (const [sid, e] of [
      [a, envelope(s, t)],
      [a, envelope(s, t)],
      [b, envelope(s, t)],
    ] as const) {
      const r = await store.append(sid, e, t, LIMITS);
      if (!r.ok) throw new Error(r.code);
      texts.push(frameString(r.text));
    }
    const inv = invitation(s, a, t);
    await store.putInvitation(inv, 10);
    const bytes = texts.reduce((n, x) => n + x.length, 0);
    expect(await store.counts()).toEqual({
      streams: before.streams + 2,
      entries: before.entries + 3,
      bytes: before.bytes + bytes,
      invitationsPending: before.invitationsPending + 1,
    });

    await store.touchDevice(a, d, t + 1, LIMITS);
    await store.ack(a, d, await store.head(a), t + 1, LIMITS);
    await store.transitionInvitation(inv.id, 'accepted', t + 1);
    expect(await store.counts()).toEqual({
      streams: before.streams + 1,
      entries: before.entries + 1,
      bytes: before.bytes + texts[2]!.length,
      invitationsPending: before.invitationsPending,
    });
  });
}
