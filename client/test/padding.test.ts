// Issue 11, finding 9: every body a person sends in passing is one box size, whatever its kind or
// text length (typing on and off used to differ by one byte; a receipt was shorter than a message).
import { describe, expect, it } from 'vitest';
import { BOX_MIN_BYTES, boxSize, createIdentity, createGrant, randomId, seal, type SessionId } from '../../protocol/index.ts';
import { encodeBody, type Body } from '../body.ts';

const alice = createIdentity();
const bob = createIdentity();

function ctBytes(body: Body): number {
  return seal(alice, bob.sessionId as SessionId, encodeBody(body)).length;
}

describe('box sizes of real bodies', () => {
  it('typing on/off, a read receipt, short texts, a profile, an invitation and a grant are the same size', () => {
    const now = Date.now();
    const sizes = [
      ctBytes({ t: 'typing', on: true }),
      ctBytes({ t: 'typing', on: false }),
      ctBytes({ t: 'receipt', kind: 'read', ids: [randomId()] }),
      ctBytes({ t: 'receipt', kind: 'read', ids: [randomId(), randomId(), randomId()] }),
      ctBytes({ t: 'msg', id: randomId(), ts: now, content: 'ok', messageType: 'text' }),
      ctBytes({
        t: 'msg',
        id: randomId(),
        ts: now,
        content: 'See you at the station at eight, I will bring the tickets.',
        messageType: 'text',
      }),
      ctBytes({ t: 'msg', id: randomId(), ts: now, content: 'x'.repeat(300), messageType: 'text' }),
      ctBytes({ t: 'profile', displayName: 'Alice' }),
      ctBytes({ t: 'invite', displayName: 'Alice', message: 'Hi, it is Alice from the choir' }),
      ctBytes({ t: 'grant', grant: createGrant(alice, bob.sessionId as SessionId, now) }),
    ];
    expect(new Set(sizes)).toEqual(new Set([BOX_MIN_BYTES]));
  });

  it('longer texts follow the scheme: the size is boxSize of the body, not the body plus a constant', () => {
    for (const n of [600, 2000, 20_000]) {
      const body = encodeBody({ t: 'msg', id: randomId(), ts: 1, content: 'y'.repeat(n), messageType: 'text' });
      expect(seal(alice, bob.sessionId as SessionId, body).length).toBe(boxSize(body.length));
    }
    // Two texts a few characters apart above the floor land in one bucket.
    const a = ctBytes({ t: 'msg', id: randomId(), ts: 1, content: 'z'.repeat(1000), messageType: 'text' });
    const b = ctBytes({ t: 'msg', id: randomId(), ts: 1, content: 'z'.repeat(1010), messageType: 'text' });
    expect(a).toBe(b);
  });
});
