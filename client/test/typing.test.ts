// Typing indicators under fake timers: expiry on the receiving side, throttle and idle-stop on the sending side.
import { describe, expect, it } from 'vitest';
import { envelope, harness, hexId, opened, peer, withFriend } from './fakes.ts';

describe('typing, receiving', () => {
  it('an "on" with no "off" expires by itself after typingTimeoutMs', async () => {
    const h = await harness({ typingTimeoutMs: 6000 });
    const { s } = await h.connect();
    const bob = peer();
    await h.befriend(bob);
    s.push(envelope(bob, h.me, { t: 'typing', on: true }, { ephemeral: true }));
    await h.timers.advance(0);
    expect(h.events.typing).toEqual([{ peer: bob.sessionId, isTyping: true }]);
    await h.timers.advance(5999);
    expect(h.c.isTyping(bob.sessionId)).toBe(true);
    await h.timers.advance(1);
    expect(h.events.typing).toEqual([
      { peer: bob.sessionId, isTyping: true },
      { peer: bob.sessionId, isTyping: false },
    ]);
    expect(s.frames('ack')).toEqual([]); // ephemeral: nothing to acknowledge
  });

  it('a repeated "on" extends it; an "off" ends it once, and the timer dies with it', async () => {
    const h = await harness({ typingTimeoutMs: 6000 });
    const { s } = await h.connect();
    const bob = peer();
    await h.befriend(bob);
    s.push(envelope(bob, h.me, { t: 'typing', on: true }, { ephemeral: true }));
    await h.timers.advance(4000);
    s.push(envelope(bob, h.me, { t: 'typing', on: true }, { ephemeral: true }));
    await h.timers.advance(4000);
    expect(h.c.isTyping(bob.sessionId)).toBe(true);
    s.push(envelope(bob, h.me, { t: 'typing', on: false }, { ephemeral: true }));
    await h.timers.advance(60_000);
    expect(h.events.typing.map((t) => t.isTyping)).toEqual([true, false]);
  });

  it('a message from them ends their typing', async () => {
    const { h, s, bob } = await withFriend();
    s.push(envelope(bob, h.me, { t: 'typing', on: true }, { ephemeral: true }));
    s.push(envelope(bob, h.me, { t: 'msg', id: hexId(1), ts: 1, content: 'done', messageType: 'text' }, { offset: 1 }));
    await h.timers.advance(0);
    expect(h.events.typing.map((t) => t.isTyping)).toEqual([true, false]);
  });
});

describe('typing, sending', () => {
  it('sends "on" at most every 3 s while typing, and "off" after 5 s idle', async () => {
    const { h, s, bob } = await withFriend();
    const typing = () =>
      s
        .frames('send')
        .filter((f) => f.ephemeral)
        .map((f) => opened(bob, f).on);
    h.c.sendTypingIndicator(bob.sessionId, true);
    await h.timers.advance(1000);
    h.c.sendTypingIndicator(bob.sessionId, true);
    await h.timers.advance(1000);
    h.c.sendTypingIndicator(bob.sessionId, true);
    expect(typing()).toEqual([true]);
    await h.timers.advance(1000);
    h.c.sendTypingIndicator(bob.sessionId, true); // 3 s after the first
    expect(typing()).toEqual([true, true]);
    await h.timers.advance(4999);
    expect(typing()).toEqual([true, true]);
    await h.timers.advance(1);
    expect(typing()).toEqual([true, true, false]);
    expect(s.frames('send').every((f) => f.ephemeral === true)).toBe(true);
  });

  it('sending the message says "off" first; "off" with nothing typed sends nothing', async () => {
    const { h, s, bob } = await withFriend();
    h.c.sendTypingIndicator(bob.sessionId, false);
    expect(s.frames('send')).toEqual([]);
    h.c.sendTypingIndicator(bob.sessionId, true);
    await h.c.sendMessage({ recipientId: bob.sessionId, content: 'sent' });
    const toBob = s
      .frames('send')
      .filter((f) => f.to === bob.sessionId)
      .map((f) => opened(bob, f));
    expect(toBob.map((b) => b.t)).toEqual(['typing', 'typing', 'msg']);
    expect(toBob.map((b) => b.on)).toEqual([true, false, undefined]);
  });

  it('sends nothing when typing indicators are turned off, or when offline', async () => {
    const h = await harness();
    const bob = peer();
    await h.befriend(bob);
    h.c.sendTypingIndicator(bob.sessionId, true); // offline: dropped, never queued
    const { s } = await h.connect();
    await h.c.setPrivacy({ shareTyping: false });
    h.c.sendTypingIndicator(bob.sessionId, true);
    await h.timers.advance(10_000);
    expect(s.frames('send')).toEqual([]);
    expect(() => h.c.sendTypingIndicator('nope', true)).toThrow(expect.objectContaining({ code: 'INVALID_SESSION_ID' }));
  });
});
