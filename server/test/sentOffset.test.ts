// Issue 11, finding 6: `sent` told the sender the recipient's stream offset, so a contact could count
// everything else the recipient receives (from anyone) between two of its own messages. Now `sent`
// carries an offset only for a copy to the sender's own Session ID (its own stream). Memory and Redis.
import { describe, expect, it } from 'vitest';
import { grant, newIdentity } from './helpers/rawClient.ts';
import { as, start } from './helpers/server.ts';
import { storesUnderTest } from './helpers/stores.ts';

const STORES = await storesUnderTest('the Redis runs of the sent offsets tests');

describe.each(STORES)('sent on the $name store', ({ config }) => {
  it("tells a contact nothing about the recipient's other traffic", async () => {
    const srv = await start(config());
    const [alice, bob, carol] = [newIdentity(), newIdentity(), newIdentity()];
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const c = await as(srv.url, carol, { grants: [grant(bob, carol)] });
    const first = a.sendEnvelope(bob.sessionId);
    const s1 = await a.next('sent');
    // Carol writes to Bob in between: Alice's next `sent` must look exactly like her first.
    for (let i = 0; i < 3; i++) {
      c.sendEnvelope(bob.sessionId);
      await c.next('sent');
    }
    const second = a.sendEnvelope(bob.sessionId);
    const s2 = await a.next('sent');
    expect(s1).toEqual({ type: 'sent', id: first, to: bob.sessionId });
    expect(s2).toEqual({ type: 'sent', id: second, to: bob.sessionId });
  });

  it("keeps the offset of a copy to the sender's own ID: that is its own stream", async () => {
    const srv = await start(config());
    const me = newIdentity();
    const d1 = await as(srv.url, me);
    const d2 = await as(srv.url, me);
    const id = d1.sendEnvelope(me.sessionId);
    const sent = await d1.next('sent');
    const copy = await d2.next('envelope');
    expect(sent).toEqual({ type: 'sent', id, to: me.sessionId, offset: copy.offset });
  });
});
