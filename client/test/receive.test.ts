// Receiving: open, check the sender, de-duplicate, store, then acknowledge (cumulatively, batched).
import { describe, expect, it } from 'vitest';
import { BoxError, fromBase64, toBase64 } from '../../protocol/index.ts';
import { MemoryStorage, type StorageWrite } from '../index.ts';
import { envelope, FakeSocket, harness, hexId, peer, settle, withFriend } from './fakes.ts';

const msg = (id: string, content: string) => ({ t: 'msg', id, ts: 1, content, messageType: 'text' });

describe('receiving', () => {
  it('de-duplicates by message id and acknowledges the batch once, cumulatively', async () => {
    const { h, s, bob } = await withFriend();
    s.push(envelope(bob, h.me, msg(hexId(1), 'hi'), { offset: 1 }));
    s.push(envelope(bob, h.me, msg(hexId(1), 'hi'), { offset: 2 })); // the same message re-sent
    s.push(envelope(bob, h.me, msg(hexId(2), 'there'), { offset: 3 }));
    await settle();
    expect(h.events.message.map((m) => m.content)).toEqual(['hi', 'there']);
    expect(s.frames('ack')).toEqual([]);
    await h.timers.advance(50);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 3 }]);
    expect(await h.c.getMessages(bob.sessionId)).toHaveLength(2);
    expect(await h.c.getConversation(bob.sessionId)).toMatchObject({ unread: 2, lastMessageId: hexId(2) });
  });

  it('reports a box that does not open or whose sender is not the envelope sender, and moves on', async () => {
    const { h, s, bob } = await withFriend();
    const mallory = peer();
    const tampered = envelope(bob, h.me, msg(hexId(1), 'x'), { offset: 1 }) as { ct: string };
    const ct = fromBase64(tampered.ct);
    ct[ct.length - 1]! ^= 1;
    tampered.ct = toBase64(ct);
    s.push(tampered as never);
    // Mallory's own valid box, relayed as if Bob had sent it.
    s.push(envelope(mallory, h.me, msg(hexId(2), 'I am Bob'), { offset: 2, claimedFrom: bob.sessionId }));
    s.push(envelope(bob, h.me, msg(hexId(3), 'real'), { offset: 3 }));
    await h.timers.advance(50);
    expect(h.events.error.map((e) => (e instanceof BoxError ? e.reason : e.message))).toEqual(['decrypt', 'sender']);
    expect(h.events.message.map((m) => m.content)).toEqual(['real']);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 3 }]);
    expect(h.c.connectionState).toBe('connected');
  });

  it('acknowledges only after the entry is in storage, and saves the cursor first', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    class SlowStorage extends MemoryStorage {
      override async write(writes: readonly StorageWrite[]) {
        if (writes.some((w) => w.store === 'messages')) await gate;
        return super.write(writes);
      }
    }
    const storage = new SlowStorage();
    const h = await harness({ storage });
    const { s } = await h.connect();
    const carol = peer();
    await h.befriend(carol);
    s.push(envelope(carol, h.me, msg(hexId(1), 'slow'), { offset: 1 }));
    await h.timers.advance(500);
    expect(s.frames('ack')).toEqual([]);
    expect(await storage.getCursor()).toEqual({ epoch: 'e1', offset: 0 });
    release();
    await h.timers.advance(50);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 1 }]);
    expect(await storage.getCursor()).toEqual({ epoch: 'e1', offset: 1 });
  });

  it('resumes from the stored cursor; resumed=true is not an epoch change', async () => {
    const h = await harness();
    const first = await h.connect();
    expect(first.auth.resume).toBeUndefined();
    first.s.push(envelope(peer(), h.me, msg(hexId(1), 'a'), { offset: 7 }));
    await h.timers.advance(50);
    const { auth } = await h.reconnect({ epoch: 'e1', resumed: true });
    expect(auth.resume).toEqual({ epoch: 'e1', offset: 7 });
    expect(h.c.epochChanged).toBe(false);
    expect(h.events.connection.filter((e) => e.newState === 'connected').map((e) => e.epochChanged)).toEqual([false, false]);
  });

  it('a message from a blocked sender is dropped, but still acknowledged', async () => {
    const { h, s, bob } = await withFriend();
    await h.c.block(bob.sessionId);
    expect(s.frames('revoke')[0]?.revocation).toMatchObject({ from: h.me, to: bob.sessionId });
    s.push(envelope(bob, h.me, msg(hexId(1), 'let me in'), { offset: 1 }));
    await h.timers.advance(50);
    expect(h.events.message).toEqual([]);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 1 }]);
  });

  it('the entry of my own copy, which my socket is not sent, is acknowledged when it is the next one', async () => {
    const { h, s, bob } = await withFriend();
    await h.c.sendMessage({ recipientId: bob.sessionId, content: 'x' });
    const [toBob, toMe] = s.frames('send');
    expect(toMe!.to).toBe(h.me);
    s.push({ type: 'sent', id: toBob!.id, to: bob.sessionId, offset: 7 });
    s.push({ type: 'sent', id: toMe!.id, to: h.me, offset: 1 });
    await h.timers.advance(50);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 1 }]);
    // Not the next entry (2 is still on its way): nothing is acknowledged past what is stored.
    await h.c.sendMessage({ recipientId: bob.sessionId, content: 'y' });
    const toMe2 = s.frames('send').at(-1)!;
    expect(toMe2.to).toBe(h.me);
    s.push({ type: 'sent', id: toMe2.id, to: h.me, offset: 3 });
    await h.timers.advance(50);
    expect(s.frames('ack')).toEqual([{ type: 'ack', offset: 1 }]);
  });

  it('copies from my other devices show as mine, in the conversation with their recipient', async () => {
    const h = await harness();
    const { s } = await h.connect();
    const myOtherDevice = (await h.storage.getIdentity())!;
    const { identityFromEntropy } = await import('../../protocol/index.ts');
    const meAgain = identityFromEntropy(myOtherDevice.entropy);
    const bob = peer();
    await h.befriend(bob);
    s.push(
      envelope(
        meAgain,
        h.me,
        { t: 'sync', to: bob.sessionId, msg: { id: hexId(9), ts: 5, content: 'from my phone', messageType: 'text' } },
        { offset: 1 },
      ),
    );
    // A stranger cannot plant a "copy" in my conversations.
    s.push(
      envelope(
        bob,
        h.me,
        { t: 'sync', to: bob.sessionId, msg: { id: hexId(10), ts: 5, content: 'forged', messageType: 'text' } },
        { offset: 2 },
      ),
    );
    await h.timers.advance(50);
    expect(h.events.message).toEqual([expect.objectContaining({ id: hexId(9), peer: bob.sessionId, direction: 'out', status: 'sent' })]);
    expect(h.events.error).toHaveLength(1);
    expect(FakeSocket.last.frames('ack')).toEqual([{ type: 'ack', offset: 2 }]);
  });
});
