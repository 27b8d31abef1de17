// A user with more grants and blocks than one auth frame can carry (a grant is ~340 bytes, so about
// 180 fit in the default 64 KiB): the SDK sends what fits in auth and the rest right after ready,
// and the real server ends up holding every grant and every block.
import { describe, expect, it } from 'vitest';
import { createGrant, createIdentity, createRevocation, identityFromEntropy, type Identity, type SessionId } from '../../protocol/index.ts';
import { connectAs, invitationTo } from '../../server/test/helpers/rawClient.ts';
import { MemoryStorage } from '../index.ts';
import { client, collect, eventually, server } from './integration.ts';

describe('grant overflow', () => {
  it('500 grants and 250 blocks against the real server: every grant held, every block applied', async () => {
    const srv = await server(); // default MAX_FRAME_BYTES: 64 KiB
    const storage = new MemoryStorage();
    const c = await client(srv, { storage });
    await c.createIdentity();
    const me = identityFromEntropy((await storage.getIdentity())!.entropy);
    const now = Date.now();
    const granters: Identity[] = [];
    for (let i = 0; i < 500; i++) {
      const p = createIdentity();
      granters.push(p);
      // Distinct expiries: the SDK presents newest first, so the last one surely overflows.
      await storage.putContact({
        sessionId: p.sessionId,
        state: 'accepted',
        heldGrant: createGrant(p, me.sessionId, now - i * 1000),
        createdAt: now,
        updatedAt: now,
      });
    }
    const blocked: Identity[] = [];
    for (let i = 0; i < 250; i++) {
      const p = createIdentity();
      blocked.push(p);
      await storage.putContact({
        sessionId: p.sessionId,
        state: 'blocked',
        revocation: createRevocation(me, p.sessionId as SessionId, now),
        createdAt: now,
        updatedAt: now,
      });
    }
    const errors = collect(c, 'error');
    await c.connect();

    // Every grant is held: the SDK subscribed to all 500 contacts' presence and none was refused.
    const stats = async () =>
      (await (await fetch(`${srv.httpUrl}/stats`)).json()) as { presenceSubscriptions: number; authFailures: number };
    await eventually(async () => (await stats()).presenceSubscriptions === 500, 'the server holds 500 presence subscriptions');
    await c.idle();
    expect(errors.map((e) => e.message)).toEqual([]);
    expect((await stats()).authFailures).toBe(0);

    // A message to the contact whose grant came last (in a grants frame after ready) goes through.
    const last = granters.at(-1)!;
    const rx = await connectAs(srv.url, last);
    const id = await c.sendMessage({ recipientId: last.sessionId, content: 'you were in the overflow' });
    expect(await rx.next((f) => f.type === 'envelope' && f.id === id)).toMatchObject({ from: me.sessionId });

    // The first and the last block are both applied: neither blocked identity may even invite
    // (answered as usual, delivered nowhere).
    const ids: string[] = [];
    for (const p of [blocked[0]!, blocked.at(-1)!]) {
      const x = await connectAs(srv.url, p);
      const inv = invitationTo(p, me);
      x.send(inv);
      expect(await x.next('ok')).toMatchObject({ ref: inv.id });
      ids.push(inv.id);
      await x.close();
    }
    const mine = await connectAs(srv.url, me);
    await mine.barrier();
    expect(mine.queued((f) => f.type === 'invitation' && ids.includes(f.id))).toEqual([]);
    await mine.close();
    await rx.close();
  }, 60_000);
});
