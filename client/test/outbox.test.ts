// The outbox and message status: queued → sent → delivered → read | failed, never backwards,
// retried with backoff when retrying can help, re-sent with the same ids after an epoch change.
import { describe, expect, it } from 'vitest';
import { advanceStatus, type MessageStatus } from '../index.ts';
import { envelope, harness, opened, peer, withFriend } from './fakes.ts';

const ALL: MessageStatus[] = ['queued', 'sent', 'delivered', 'read', 'failed'];

describe('advanceStatus', () => {
  it('moves forward only; failed is left by anything and reached only from queued', () => {
    const table = Object.fromEntries(ALL.map((cur) => [cur, ALL.map((next) => advanceStatus(cur, next))]));
    expect(table).toEqual({
      queued: ['queued', 'sent', 'delivered', 'read', 'failed'],
      sent: ['sent', 'sent', 'delivered', 'read', 'sent'],
      delivered: ['delivered', 'delivered', 'delivered', 'read', 'delivered'],
      read: ['read', 'read', 'read', 'read', 'read'],
      failed: ['queued', 'sent', 'delivered', 'read', 'failed'],
    });
  });
});

describe('outbox', () => {
  it('stores a message as queued while offline and sends it, with a copy for my other devices, on connect', async () => {
    const h = await harness();
    const bob = peer();
    await h.befriend(bob);
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'offline hello' });
    expect(await h.c.getMessage(id)).toMatchObject({ status: 'queued', direction: 'out' });
    expect(h.events.status).toEqual([{ id, peer: bob.sessionId, status: 'queued', message: await h.c.getMessage(id) }]);
    const { s } = await h.connect();
    const sends = s.frames('send');
    expect(sends.map((f) => f.to)).toEqual([bob.sessionId, h.me]);
    expect(sends[0]!.id).toBe(id);
    expect(opened(bob, sends[0]!)).toMatchObject({ t: 'msg', id, content: 'offline hello', messageType: 'text' });
  });

  it('follows sent → delivered → read and ignores late or repeated notices', async () => {
    const { h, s, bob } = await withFriend();
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x' });
    s.push({ type: 'sent', id, to: bob.sessionId, offset: 1 });
    s.push({ type: 'delivered', offset: 1, id, to: bob.sessionId, ts: 1 });
    s.push({ type: 'sent', id, to: bob.sessionId, offset: 1 });
    s.push(envelope(bob, h.me, { t: 'receipt', kind: 'read', ids: [id] }, { offset: 2 }));
    s.push({ type: 'delivered', offset: 3, id, to: bob.sessionId, ts: 1 });
    await h.timers.advance(50);
    expect(h.events.status.map((e) => e.status)).toEqual(['queued', 'sent', 'delivered', 'read']);
    expect((await h.c.getOutbox()).some((i) => i.id === id)).toBe(false);
    // A receipt from someone else for my message to Bob changes nothing.
    const id2 = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'y' });
    s.push(envelope(peer(), h.me, { t: 'receipt', kind: 'read', ids: [id2] }, { offset: 4 }));
    await h.timers.advance(50);
    expect((await h.c.getMessage(id2))?.status).toBe('queued');
  });

  it('MAILBOX_FULL: failed with the reason, kept, and retried with backoff under the same id', async () => {
    const { h, s, bob } = await withFriend();
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x' });
    s.push({ type: 'error', code: 'MAILBOX_FULL', message: 'full', ref: id });
    await h.timers.advance(0);
    expect(h.events.status.at(-1)).toEqual({
      id,
      peer: bob.sessionId,
      status: 'failed',
      reason: 'MAILBOX_FULL',
      retrying: true,
      message: await h.c.getMessage(id),
    });
    expect(h.events.status.at(-1)!.message).toMatchObject({ status: 'failed', failureReason: 'MAILBOX_FULL' });
    expect((await h.c.getOutbox()).find((i) => i.id === id)).toMatchObject({ lastError: 'MAILBOX_FULL', attempts: 1 });
    const toBob = () => s.frames('send').filter((f) => f.to === bob.sessionId);
    expect(toBob()).toHaveLength(1);
    await h.timers.advance(49); // random 0.5 × base 100
    expect(toBob()).toHaveLength(1);
    await h.timers.advance(1);
    expect(toBob().map((f) => f.id)).toEqual([id, id]);
    s.push({ type: 'sent', id, to: bob.sessionId, offset: 1 });
    await h.timers.advance(0);
    expect(h.events.status.map((e) => e.status)).toEqual(['queued', 'failed', 'sent']);
  });

  it('a failed message deleted for me leaves the outbox with its copy, and is never sent again', async () => {
    const { h, s, bob } = await withFriend();
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'never mind' });
    s.push({ type: 'error', code: 'MAILBOX_FULL', message: 'full', ref: id });
    await h.timers.advance(0);
    expect(await h.c.getMessage(id)).toMatchObject({ status: 'failed' });
    const before = s.frames('send').length;
    await h.c.deleteForMe([id]);
    expect(await h.c.getMessage(id)).toBeUndefined();
    const left = (await h.c.getOutbox()).filter((i) => i.messageId === id || (i.kind === 'sync' && i.body.includes(id)));
    expect(left).toEqual([]);
    await h.timers.advance(60_000); // past every backoff the retry would have waited
    expect(
      s
        .frames('send')
        .slice(before)
        .filter((f) => f.id === id || f.to === bob.sessionId),
    ).toEqual([]);
  });

  it('RATE_LIMITED waits retryAfterMs', async () => {
    const { h, s, bob } = await withFriend();
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x' });
    s.push({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', ref: id, retryAfterMs: 5000 });
    await h.timers.advance(4999);
    expect(s.frames('send').filter((f) => f.id === id)).toHaveLength(1);
    await h.timers.advance(1);
    expect(s.frames('send').filter((f) => f.id === id)).toHaveLength(2);
  });

  it('refused sends to one recipient go again one at a time, in order, each after the one before is taken', async () => {
    // Sent together, a later retry could be taken while an earlier one is refused again (the
    // mailbox freeing up between the two on the server), and the conversation arrive out of order.
    const { h, s, bob } = await withFriend();
    const ids: string[] = [];
    for (const content of ['a', 'b', 'c']) ids.push(await h.c.sendMessage({ recipientId: bob.sessionId, content }));
    for (const id of ids) s.push({ type: 'error', code: 'MAILBOX_FULL', message: 'full', ref: id });
    const toBob = () =>
      s
        .frames('send')
        .filter((f) => f.to === bob.sessionId)
        .map((f) => f.id);
    await h.timers.advance(1000);
    expect(toBob()).toEqual([...ids, ids[0]]);
    s.push({ type: 'error', code: 'MAILBOX_FULL', message: 'full', ref: ids[0]! });
    await h.timers.advance(1000);
    expect(toBob()).toEqual([...ids, ids[0], ids[0]]);
    s.push({ type: 'sent', id: ids[0]!, to: bob.sessionId, offset: 1 });
    await h.timers.advance(0);
    expect(toBob()).toEqual([...ids, ids[0], ids[0], ids[1]]);
    // A refusal that retrying cannot fix lets the next one go too.
    s.push({ type: 'error', code: 'NO_GRANT', message: 'no grant', ref: ids[1]! });
    await h.timers.advance(0);
    expect(toBob()).toEqual([...ids, ids[0], ids[0], ids[1], ids[2]]);
  });

  it('a refusal that retrying cannot fix waits for retry(id)', async () => {
    const { h, s, bob } = await withFriend();
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x' });
    s.push({ type: 'error', code: 'NO_GRANT', message: 'no grant', ref: id });
    await h.timers.advance(600_000);
    expect(s.frames('send').filter((f) => f.id === id)).toHaveLength(1);
    expect(await h.c.getMessage(id)).toMatchObject({ status: 'failed', failureReason: 'NO_GRANT' });
    expect(await h.c.retry(id)).toBe(true);
    expect(s.frames('send').filter((f) => f.id === id)).toHaveLength(2);
    expect(h.events.status.map((e) => e.status)).toEqual(['queued', 'failed', 'queued']);
  });

  it('a message too large for the server is failed here instead of being sent', async () => {
    const h = await harness();
    const bob = peer();
    await h.befriend(bob);
    // Written offline under the default limit; the server turns out to allow less.
    const id = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x'.repeat(40_000) });
    const { s } = await h.connect({ limits: { maxCtBytes: 16_384 } });
    expect(s.frames('send').filter((f) => f.id === id)).toEqual([]);
    expect(await h.c.getMessage(id)).toMatchObject({ status: 'failed', failureReason: 'FRAME_TOO_LARGE' });
    // Written once the server's limit is known: refused at once (contentLimit.ts), nothing stored.
    await expect(h.c.sendMessage({ recipientId: bob.sessionId, content: 'x'.repeat(60_000) })).rejects.toThrow(/do not fit in one message/);
    expect((await h.c.getConversation(bob.sessionId)).messages.map((m) => m.id)).toEqual([id]);
  });

  it('epoch change: every envelope not yet delivered goes again with the same id; delivered ones do not', async () => {
    const h = await harness();
    const { s } = await h.connect({ epoch: 'e1' });
    const bob = peer();
    await h.befriend(bob);
    const m1 = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'delivered before the restart' });
    const m2 = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'only stored by the old server' });
    s.push({ type: 'sent', id: m1, to: bob.sessionId, offset: 1 });
    s.push({ type: 'sent', id: m2, to: bob.sessionId, offset: 2 });
    s.push({ type: 'delivered', offset: 1, id: m1, to: bob.sessionId, ts: 1 });
    await h.timers.advance(50);
    const { s: s2, auth } = await h.reconnect({ epoch: 'e2', resumed: false });
    expect(auth.resume?.epoch).toBe('e1');
    expect(
      s2
        .frames('send')
        .filter((f) => f.to === bob.sessionId)
        .map((f) => f.id),
    ).toEqual([m2]);
    expect(h.c.epochChanged).toBe(true);
    expect(h.events.connection.at(-1)).toMatchObject({ newState: 'connected', epochChanged: true });
    expect((await h.c.getMessage(m2))?.status).toBe('sent'); // not moved back to queued
    expect(await h.storage.getCursor()).toEqual({ epoch: 'e2', offset: 0 });
  });

  it('a plain reconnect re-sends only what the server never confirmed', async () => {
    const { h, s, bob } = await withFriend();
    const confirmed = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'a' });
    const unconfirmed = await h.c.sendMessage({ recipientId: bob.sessionId, content: 'b' });
    s.push({ type: 'sent', id: confirmed, to: bob.sessionId, offset: 1 });
    await h.timers.advance(0);
    const { s: s2 } = await h.reconnect({ epoch: 'e1', resumed: true });
    expect(
      s2
        .frames('send')
        .filter((f) => f.to === bob.sessionId)
        .map((f) => f.id),
    ).toEqual([unconfirmed]);
  });
});
