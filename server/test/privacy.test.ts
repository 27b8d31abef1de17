// The relay's logs must not become the metadata leak: capture every line at debug level through a
// whole session (handshakes, messages, invitations, presence, attacks) and look for secrets.
import { describe, expect, it } from 'vitest';
import { randomId, toBase64 } from '../../protocol/index.ts';
import { createLogger } from '../src/log.ts';
import { connectAs, grant, newIdentity, randomCt, RawClient } from './helpers/rawClient.ts';
import { getJson, start, track } from './helpers/server.ts';

describe('privacy of logs', () => {
  it('never logs ciphertext, and no whole Session ID at info level or above', async () => {
    const lines: string[] = [];
    const srv = await start(
      { logLevel: 'debug', mailboxMaxEntries: 4, mailboxSenderShare: 100 },
      { log: createLogger('debug', (l) => lines.push(l)) },
    );
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const cts: string[] = [];
    const ct = () => {
      const c = randomCt(40);
      cts.push(c);
      return c;
    };

    const a = track(await connectAs(srv.url, alice, { grants: [grant(bob, alice)] }));
    const b = track(await connectAs(srv.url, bob, { grants: [grant(alice, bob)] }));
    b.send({ type: 'presence_sub', ids: [alice.sessionId, carol.sessionId] });
    await b.next('presence');
    await b.next('error');
    for (let i = 0; i < 3; i++) a.sendEnvelope(bob.sessionId, ct());
    for (let i = 0; i < 3; i++) await b.next('envelope');
    b.send({ type: 'ack', offset: 3 });
    await a.next('delivered');
    a.sendEnvelope(bob.sessionId, ct(), { ephemeral: true });
    await b.next((f) => f.type === 'envelope' && f.ephemeral === true);
    a.sendEnvelope(carol.sessionId, ct());
    await a.next('error');
    const inviteId = randomId();
    a.send({ type: 'invite', id: inviteId, to: carol.sessionId, ct: ct(), grant: grant(alice, carol) });
    await a.next('ok');
    const c = track(await connectAs(srv.url, carol));
    await c.next('invitation');
    c.send({ type: 'invite_accept', id: inviteId, grant: grant(carol, alice) });
    await c.next('ok');
    await a.next('invitation_update');
    // Mailbox full for an offline recipient.
    await c.close();
    for (let i = 0; i < 7; i++) a.sendEnvelope(carol.sessionId, ct());
    await a.next((f) => f.type === 'error' && f.code === 'MAILBOX_FULL');
    // Attacks: a bad signature, a malformed frame carrying ciphertext, an unknown type.
    const m = track(await RawClient.connect(srv.url));
    const forged = m.authFrame(alice);
    m.send({ ...forged, signature: toBase64(new Uint8Array(64)) });
    await m.closed();
    a.send({ type: 'send', id: randomId(), to: bob.sessionId, ct: ct(), surprise: true });
    await a.next((f) => f.type === 'error' && f.code === 'BAD_FRAME');
    a.send({ type: 'gossip', about: bob.sessionId, ct: ct() });
    await a.next((f) => f.type === 'error' && f.code === 'UNKNOWN_TYPE');
    await getJson(`${srv.httpUrl}/stats`);
    await srv.close();

    expect(lines.length).toBeGreaterThan(20);
    const parsed = lines.map((l) => JSON.parse(l) as { level: string; event: string });
    const infoPlus = lines.filter((_, i) => parsed[i]!.level !== 'debug');
    expect(infoPlus.length).toBeGreaterThan(3);
    expect(parsed.some((p) => p.event === 'auth_ok')).toBe(true);
    expect(parsed.some((p) => p.event === 'auth_failed')).toBe(true);
    for (const line of lines) for (const secret of cts) expect(line).not.toContain(secret);
    for (const line of infoPlus) {
      expect(line).not.toMatch(/05[0-9a-f]{64}/);
      // Not even a prefix (issue 11, finding 13): logPrivacy.test.ts has the rest.
      for (const who of [alice, bob, carol]) expect(line).not.toContain(who.sessionId.slice(2, 8));
    }
  });
});
