import { describe, expect, it } from 'vitest';
import {
  createAuthFrame,
  createGrant,
  createIdentity,
  encodeFrame,
  fromBase64,
  parseClientFrame,
  parseServerFrame,
  ProtocolError,
  randomBytes,
  randomId,
  toBase64,
  verifyAuthFrame,
} from '../index.ts';

const alice = createIdentity();
const bob = createIdentity();
const nonce = toBase64(randomBytes(32));
const deviceId = randomId();

function codeOf(text: string): string {
  try {
    parseClientFrame(text);
  } catch (e) {
    if (e instanceof ProtocolError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('client frame codec', () => {
  const send = { type: 'send', id: randomId(), to: bob.sessionId, ct: toBase64(randomBytes(300)) };

  it('round-trips every valid client frame', () => {
    const grant = createGrant(alice, bob.sessionId, Date.now());
    const frames = [
      createAuthFrame({
        identity: alice,
        deviceId,
        nonce,
        epoch: 'abc',
        url: 'wss://relay.test/ws',
        grants: [grant],
        resume: { epoch: 'abc', offset: 3 },
      }),
      send,
      { ...send, ephemeral: true },
      { type: 'ack', offset: 7 },
      { type: 'invite', id: randomId(), to: bob.sessionId, ct: toBase64(randomBytes(10)), grant },
      { type: 'invite_accept', id: randomId(), grant },
      { type: 'invite_decline', id: randomId() },
      { type: 'invite_cancel', id: randomId() },
      { type: 'grants', grants: [grant] },
      { type: 'presence_sub', ids: [bob.sessionId] },
      { type: 'presence_unsub', ids: [bob.sessionId] },
      { type: 'privacy', hidePresence: true },
      { type: 'ping', t: 5 },
    ];
    for (const f of frames) expect(parseClientFrame(JSON.stringify(f))).toEqual(f);
  });

  it.each([
    ['not JSON', '{"type":', 'BAD_JSON'],
    ['a JSON array', '[1,2]', 'BAD_FRAME'],
    ['null', 'null', 'BAD_FRAME'],
    ['no type', '{}', 'UNKNOWN_TYPE'],
    ['unknown type', '{"type":"hack"}', 'UNKNOWN_TYPE'],
    ['a server frame type', '{"type":"hello"}', 'UNKNOWN_TYPE'],
    ['prototype key as type', '{"type":"__proto__"}', 'UNKNOWN_TYPE'],
    ['unknown field (strict)', JSON.stringify({ ...send, extra: 1 }), 'BAD_FRAME'],
    ['malformed recipient', JSON.stringify({ ...send, to: '05abc' }), 'INVALID_SESSION_ID'],
    ['uppercase recipient', JSON.stringify({ ...send, to: bob.sessionId.toUpperCase() }), 'INVALID_SESSION_ID'],
    ['numeric id', JSON.stringify({ ...send, id: 5 }), 'BAD_FRAME'],
    ['non-canonical base64', JSON.stringify({ ...send, ct: 'QQ=' }), 'BAD_FRAME'],
    ['base64 with stray bits', JSON.stringify({ ...send, ct: 'QR==' }), 'BAD_FRAME'],
    ['empty ct', JSON.stringify({ ...send, ct: '' }), 'BAD_FRAME'],
    ['ack offset 0', '{"type":"ack","offset":0}', 'BAD_FRAME'],
    ['ack offset fraction', '{"type":"ack","offset":1.5}', 'BAD_FRAME'],
    ['ack offset as string', '{"type":"ack","offset":"1"}', 'BAD_FRAME'],
    ['ephemeral not boolean', JSON.stringify({ ...send, ephemeral: 'yes' }), 'BAD_FRAME'],
    ['too many presence ids', JSON.stringify({ type: 'presence_sub', ids: Array(1001).fill(bob.sessionId) }), 'BAD_FRAME'],
    ['too many grants', JSON.stringify({ type: 'grants', grants: Array(1001).fill({}) }), 'TOO_MANY_GRANTS'],
  ])('rejects %s with %s', (_name, text, code) => {
    expect(codeOf(text)).toBe(code);
  });

  it('names the offending path in the message', () => {
    expect(() => parseClientFrame(JSON.stringify({ ...send, to: 'x' }))).toThrow(/send\.to: expected Session ID/);
  });
});

describe('server frame codec', () => {
  it('ignores unknown fields so the server can grow', () => {
    const f = parseServerFrame(JSON.stringify({ type: 'pong', serverTime: 5, later: true }));
    expect(f).toEqual({ type: 'pong', serverTime: 5 });
  });

  it('round-trips a stream envelope', () => {
    const env = { type: 'envelope' as const, offset: 4, id: randomId(), from: alice.sessionId, ct: toBase64(randomBytes(20)), ts: 9 };
    expect(parseServerFrame(encodeFrame(env))).toEqual(env);
  });
});

describe('auth frame', () => {
  const url = 'wss://relay.test/ws';
  const frame = createAuthFrame({ identity: alice, deviceId, nonce, epoch: 'e1', url });
  const challenge = (n = nonce) => ({ nonce: n, epoch: 'e1', origins: new Set(['wss://relay.test']) });

  it('verifies for the nonce it was made for', () => {
    expect(verifyAuthFrame(frame, challenge())).toBeNull();
  });

  it('rejects another nonce (replay)', () => {
    expect(verifyAuthFrame(frame, challenge(toBase64(randomBytes(32))))).toBe('AUTH_NONCE_REPLAYED');
  });

  it("rejects someone else's Session ID with my key", () => {
    expect(verifyAuthFrame({ ...frame, sessionId: bob.sessionId }, challenge())).toBe('AUTH_KEY_MISMATCH');
  });

  it('rejects a signature by another key, and a changed device id', () => {
    const other = createAuthFrame({ identity: bob, deviceId, nonce, epoch: 'e1', url });
    expect(verifyAuthFrame({ ...frame, signature: other.signature }, challenge())).toBe('AUTH_BAD_SIGNATURE');
    expect(verifyAuthFrame({ ...frame, deviceId: randomId() }, challenge())).toBe('AUTH_BAD_SIGNATURE');
    const sig = fromBase64(frame.signature);
    sig[10]! ^= 4;
    expect(verifyAuthFrame({ ...frame, signature: toBase64(sig) }, challenge())).toBe('AUTH_BAD_SIGNATURE');
  });
});
