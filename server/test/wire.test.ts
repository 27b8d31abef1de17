// The frames built by concatenation must be exactly what protocol's strict schema accepts.
import { describe, expect, it } from 'vitest';
import { createIdentity, serverFrames, type ServerFrameType } from '../../protocol/index.ts';
import {
  deliveredEntry,
  deliveredText,
  envelopeEntry,
  envelopeText,
  errorText,
  grantJson,
  invitationText,
  invitationUpdateText,
  okText,
  pongText,
  presenceText,
  sentText,
} from '../src/transport/wire.ts';
import { grant, randomCt } from './helpers/rawClient.ts';

function strict(text: string): Record<string, unknown> {
  const raw = JSON.parse(text) as { type: ServerFrameType };
  return serverFrames[raw.type].parse(raw, raw.type, true) as Record<string, unknown>;
}

describe('wire builders', () => {
  const a = createIdentity();
  const b = createIdentity();
  const id = 'ab'.repeat(16);
  const ct = randomCt(100);
  const g = grant(a, b, 1_700_000_000_000);

  it('builds envelopes, stored and ephemeral', () => {
    expect(strict(envelopeText(id, a.sessionId, ct, 5))).toEqual({ type: 'envelope', id, from: a.sessionId, ct, ts: 5 });
    expect(strict(envelopeText(id, a.sessionId, ct, 5, true))).toEqual({
      type: 'envelope',
      id,
      from: a.sessionId,
      ct,
      ts: 5,
      ephemeral: true,
    });
    // With the offset the store splices in.
    expect(strict('{"offset":7,' + envelopeText(id, a.sessionId, ct, 5).slice(1)).offset).toBe(7);
  });

  it('builds stream entries as frame and body, frame === "{" + body (NewEntry.body)', () => {
    const env = envelopeEntry(id, a.sessionId, ct, 5);
    expect(env.frame).toBe(envelopeText(id, a.sessionId, ct, 5));
    expect(env.frame).toBe('{' + env.body);
    const del = deliveredEntry(id, b.sessionId, 9);
    expect(del.frame).toBe(deliveredText(id, b.sessionId, 9));
    expect(del.frame).toBe('{' + del.body);
    expect(strict('{"offset":3,' + del.body)).toEqual({ offset: 3, type: 'delivered', id, to: b.sessionId, ts: 9 });
  });

  it('builds delivered, sent, presence, ok, pong and error frames', () => {
    expect(strict(deliveredText(id, b.sessionId, 9))).toEqual({ type: 'delivered', id, to: b.sessionId, ts: 9 });
    expect(strict(sentText(id, b.sessionId, 3))).toEqual({ type: 'sent', id, to: b.sessionId, offset: 3 });
    expect(strict(sentText(id, b.sessionId))).toEqual({ type: 'sent', id, to: b.sessionId });
    expect(strict(presenceText(b.sessionId, true, 1))).toEqual({ type: 'presence', id: b.sessionId, online: true, ts: 1 });
    expect(strict(okText(id, 'invite'))).toEqual({ type: 'ok', ref: id, op: 'invite' });
    expect(strict(pongText(undefined, 4))).toEqual({ type: 'pong', serverTime: 4 });
    expect(strict(pongText(12, 4))).toEqual({ type: 'pong', t: 12, serverTime: 4 });
    expect(strict(errorText('NO_GRANT', undefined, b.sessionId))).toMatchObject({ type: 'error', code: 'NO_GRANT', ref: b.sessionId });
    expect(strict(errorText('RATE_LIMITED', 'slow down', id, 1234.5))).toMatchObject({ retryAfterMs: 1235 });
    expect((strict(errorText('BAD_FRAME', 'x'.repeat(5000))).message as string).length).toBe(1024);
  });

  it('builds invitation entries (never with the inviter grant) and updates with the grant inline', () => {
    const inv = { id, from: a.sessionId, to: b.sessionId, ct, grant: grantJson(g), expiresAt: 100 };
    expect(strict(invitationText(inv, 50))).toEqual({
      type: 'invitation',
      id,
      from: a.sessionId,
      to: b.sessionId,
      ct,
      expiresAt: 100,
      ts: 50,
    });
    expect(strict(invitationUpdateText(inv, 'declined', 60))).toEqual({
      type: 'invitation_update',
      id,
      from: a.sessionId,
      to: b.sessionId,
      status: 'declined',
      ts: 60,
    });
    expect(strict(invitationUpdateText(inv, 'accepted', 60, grantJson(g)))).toMatchObject({ status: 'accepted', grant: g });
  });
});
