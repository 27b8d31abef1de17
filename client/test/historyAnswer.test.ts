// Who a device answers with its history: only its own Session ID, never its own request, and each
// request id once (client/historyTransfer.ts).
import { describe, expect, it } from 'vitest';
import type { ClientFrames } from '../../protocol/index.ts';
import { MemoryStorage } from '../index.ts';
import { envelope, fixedIdentity, harness, hexId, opened, peer, settle } from './fakes.ts';

describe('answering a history request', () => {
  it('answers my own identity once per request id, and no one else', async () => {
    const me = fixedIdentity(7);
    const storage = new MemoryStorage();
    await storage.setIdentity({ entropy: me.entropy, deviceId: hexId(0xd1), createdAt: 1 });
    const bob = peer();
    await storage.write([
      {
        store: 'messages',
        put: {
          id: hexId(1),
          peer: bob.sessionId,
          direction: 'in',
          content: 'old',
          messageType: 'text',
          sentAt: 1,
          storedAt: 1,
          seq: 1,
          read: true,
        },
      },
      { store: 'conversations', put: { peer: bob.sessionId, lastSeq: 1, lastMessageId: hexId(1), unread: 0 } },
    ]);
    const h = await harness({ storage });
    const { s } = await h.connect();
    // A contact: a stranger's envelope is dropped before any body is read (accountTrust.test.ts).
    await h.befriend(bob);
    const chunks = () =>
      s
        .frames('send')
        .map((f) => opened(me, f as ClientFrames['send']))
        .filter((b) => b.t === 'history_chunk');
    const request = (rid: number, dev: number) => ({
      t: 'history_request',
      rid: hexId(rid),
      dev: hexId(dev),
      afterSeq: 0,
      afterId: '',
      received: 0,
    });

    s.push(envelope(bob, h.me, request(1, 0xbb), { offset: 1 })); // a contact asking for my history
    s.push(envelope(me, h.me, request(2, 0xd1), { offset: 2 })); // my own request coming back
    await settle();
    expect(chunks()).toEqual([]);
    expect(h.events.error.map((e) => e.message)).toContain('body history_request from another Session ID ignored');

    s.push(envelope(me, h.me, request(3, 0xd2), { offset: 3 }));
    s.push(envelope(me, h.me, request(3, 0xd2), { offset: 4 })); // the same request again
    await settle();
    await h.c.idle();
    expect(chunks()).toEqual([
      expect.objectContaining({
        rid: hexId(3),
        dev: hexId(0xd2),
        by: hexId(0xd1),
        sent: 1,
        total: 1,
        last: true,
        more: false,
        messages: [expect.objectContaining({ id: hexId(1), content: 'old' })],
      }),
    ]);
  });
});
