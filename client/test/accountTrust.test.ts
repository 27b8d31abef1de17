// What a malicious server cannot do to the client any more (issue 11, finding 11): plant an
// "accepted" contact, roll a display name back by replaying an old profile, or get a stranger's
// message shown or notified.
import { describe, expect, it } from 'vitest';
import { createGrant, randomId, type SessionId } from '../../protocol/index.ts';
import { envelope, harness, hexId, peer, settle, withFriend } from './fakes.ts';

const msg = (id: string, content: string) => ({ t: 'msg', id, ts: 1, content, messageType: 'text' });

describe('a malicious server against the client', () => {
  it('cannot plant an accepted contact: an update for an invitation I never accepted, whatever grant it carries', async () => {
    const h = await harness();
    const { s } = await h.connect();
    const mallory = peer();
    // A grant Mallory really signed for me (say, from an invitation I declined), replayed.
    const grant = createGrant(mallory, h.me as SessionId, h.timers.now);
    s.push({
      type: 'invitation_update',
      offset: 1,
      id: randomId(),
      from: mallory.sessionId,
      to: h.me,
      status: 'accepted',
      grant,
      ts: h.timers.now,
    });
    await settle();
    expect(await h.c.getContact(mallory.sessionId)).toBeUndefined();
    // Nor with a grant signed by someone else under Mallory's name.
    const bob = peer();
    s.push({
      type: 'invitation_update',
      offset: 2,
      id: randomId(),
      from: h.me,
      to: bob.sessionId,
      status: 'accepted',
      grant: { ...createGrant(mallory, h.me as SessionId, h.timers.now), from: bob.sessionId },
      ts: h.timers.now,
    });
    await settle();
    expect(await h.c.getContacts()).toEqual([]);
  });

  it('drops envelopes from non-contacts unseen and unnotified, and takes them from contacts', async () => {
    const h = await harness();
    const { s } = await h.connect();
    const stranger = peer();
    const bob = peer();
    await h.befriend(bob);
    s.push(envelope(stranger, h.me, msg(hexId(1), 'buy now'), { offset: 1 }));
    s.push(envelope(stranger, h.me, { t: 'typing', on: true }, { ephemeral: true }));
    s.push(envelope(bob, h.me, msg(hexId(2), 'hi'), { offset: 2 }));
    await h.timers.advance(50);
    expect(h.events.message.map((m) => m.content)).toEqual(['hi']);
    expect(h.events.typing).toEqual([]);
    expect(await h.c.getConversations()).toHaveLength(1);
    // Acknowledged all the same: dropped for good, not left in the mailbox.
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 2 }]);
  });

  it('takes a display name only from a profile body newer than the one held', async () => {
    const { h, s, bob } = await withFriend();
    s.push(envelope(bob, h.me, { t: 'profile', displayName: 'Bob', at: 2000 }, { offset: 1 }));
    await h.timers.advance(50);
    expect((await h.c.getContact(bob.sessionId))?.displayName).toBe('Bob');
    // An old profile body of Bob's, replayed by the server.
    s.push(envelope(bob, h.me, { t: 'profile', displayName: 'Robert (old)', at: 1000 }, { offset: 2 }));
    await h.timers.advance(50);
    expect((await h.c.getContact(bob.sessionId))?.displayName).toBe('Bob');
    s.push(envelope(bob, h.me, { t: 'profile', displayName: 'Bobby', at: 3000 }, { offset: 3 }));
    await h.timers.advance(50);
    expect((await h.c.getContact(bob.sessionId))?.displayName).toBe('Bobby');
    // A stranger's profile names nobody.
    const stranger = peer();
    s.push(envelope(stranger, h.me, { t: 'profile', displayName: 'Your bank', at: 9000 }, { offset: 4 }));
    await h.timers.advance(50);
    expect(await h.c.getContact(stranger.sessionId)).toBeUndefined();
  });
});
