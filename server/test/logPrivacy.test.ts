// Issue 11, finding 13: info logs carried a 24-bit Session ID prefix with the contact count, and
// debug logs linked the client address to it through the connection id. Through a real server with
// an injected sink: no ID or prefix at info and above; addresses only at debug, on lines that carry
// no ID and share no connection id with a line that does.
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import { connectAs, grant, invitationTo, newIdentity, RawClient } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';

const ADDRESS = '198.51.100.23';

describe('server logs', () => {
  it('never put an identity at info, nor an address next to one', async () => {
    const lines: Record<string, unknown>[] = [];
    const log = createLogger('debug', (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
    const srv = await start({ trustProxy: 1 }, { log });
    const [alice, bob, carol] = [newIdentity(), newIdentity(), newIdentity()];
    const here = { headers: { 'X-Forwarded-For': ADDRESS } };
    const a = track(await connectAs(srv.url, alice, { ...here, grants: [grant(bob, alice), grant(carol, alice)] }));
    const b = track(await connectAs(srv.url, bob, here));
    a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    await b.next('envelope');
    a.send(invitationTo(alice, carol));
    await a.next('ok');
    a.send({ type: 'presence_sub', ids: [bob.sessionId] });
    await a.next('presence');
    // A refused login too: the failure is logged with its code.
    const bad = track(await RawClient.connect(srv.url, here));
    bad.send({ ...bad.authFrame(carol), deviceId: 'ab'.repeat(16) });
    await bad.closed();
    await a.close();
    await b.close();

    const ids = [alice, bob, carol].map((p) => p.sessionId);
    // Any 6 hex characters of an ID (a 24-bit prefix) count as the ID.
    const mentions = (line: Record<string, unknown>): boolean => {
      const text = JSON.stringify(line);
      return ids.some((id) => text.includes(id.slice(0, 8)) || text.includes(id.slice(2, 8)));
    };
    const atInfo = lines.filter((l) => l.level !== 'debug');
    expect(atInfo.some((l) => l.event === 'auth_ok')).toBe(true);
    expect(atInfo.some((l) => l.event === 'auth_failed')).toBe(true);
    for (const l of atInfo) {
      expect(mentions(l), JSON.stringify(l)).toBe(false);
      expect(JSON.stringify(l)).not.toContain(ADDRESS);
    }
    const withAddress = lines.filter((l) => JSON.stringify(l).includes(ADDRESS));
    expect(withAddress.length).toBeGreaterThan(0);
    expect(withAddress.every((l) => l.level === 'debug')).toBe(true);
    const connsWithId = new Set(lines.filter(mentions).map((l) => l.conn));
    for (const l of withAddress) {
      expect(mentions(l)).toBe(false);
      expect(l.conn === undefined || !connsWithId.has(l.conn), JSON.stringify(l)).toBe(true);
    }
  });
});
