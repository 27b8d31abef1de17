// The bench's lean client acknowledges its own stream only. A `sent` frame's offset belongs to the
// recipient's stream; acknowledging it in one's own (as the bench once did) marks one's own later
// entries — the `delivered` notices — as processed before they arrive, and then never acknowledges
// them, so the server keeps and replays them. Real server, real sockets.
import { afterAll, describe, expect, it } from 'vitest';
import { createGrant } from '../../protocol/index.ts';
import { startServer, type RunningServer } from '../../server/src/app.ts';
import { LeanConn } from '../lib/conn.ts';
import { devices, sampleCiphertext, type Device } from '../lib/fixtures.ts';
import { nativeKey } from '../lib/signer.ts';

const servers: RunningServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function until(cond: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Seen {
  envelopes: string[];
  sent: number[];
  delivered: string[];
  errors: string[];
}

function open(url: string, device: Device, grants: ReturnType<typeof createGrant>[]): { c: LeanConn; seen: Seen } {
  const c = new LeanConn({ url, device, grants, key: nativeKey(device.identity), signer: 'native', timeoutMs: 10_000 });
  const seen: Seen = { envelopes: [], sent: [], delivered: [], errors: [] };
  c.sink = {
    envelope: (_c, f) => void seen.envelopes.push(f.id),
    sent: (_c, f) => void seen.sent.push(f.offset ?? 0),
    delivered: (_c, f) => void seen.delivered.push(f.id),
    error: (_c, f) => void seen.errors.push(f.code),
  };
  return { c, seen };
}

describe('LeanConn acknowledgements', () => {
  it('acknowledges its own delivered notices, not the recipient-stream offsets of `sent`', async () => {
    const srv = await startServer({ config: { port: 0, host: '127.0.0.1', logLevel: 'error' } });
    servers.push(srv);
    const [a, b, c] = devices(3) as [Device, Device, Device];
    const now = Date.now();
    const ct = sampleCiphertext();
    const id = (n: number): string => n.toString(16).padStart(32, '0');

    // B is offline; C fills B's stream first, so A's message lands at B's offset 6 (which `sent`
    // tells A, until the protocol stops telling a recipient's offsets to senders).
    const carol = open(srv.url, c, [createGrant(b.identity, c.identity.sessionId, now)]);
    await carol.c.open();
    for (let i = 1; i <= 5; i++) carol.c.sendEnvelope(id(100 + i), b.identity.sessionId, ct, false);
    await until(() => carol.seen.sent.length === 5, "C's five sends confirmed");
    const alice = open(srv.url, a, [createGrant(b.identity, a.identity.sessionId, now)]);
    await alice.c.open();
    alice.c.sendEnvelope(id(1), b.identity.sessionId, ct, false);
    await until(() => alice.seen.sent.length === 1, "A's send confirmed");

    // B comes online and takes everything: A's delivered notice is the first entry of A's stream.
    const bob = open(srv.url, b, [createGrant(a.identity, b.identity.sessionId, now), createGrant(c.identity, b.identity.sessionId, now)]);
    await bob.c.open();
    await until(() => bob.seen.envelopes.length === 6, 'B has all six');
    await until(() => alice.seen.delivered.length === 1, 'A told its message was delivered');
    // A's ack of the notice goes out when the SDK's ack window closes, before the close frame.
    await until(() => !alice.c.ackOwed, "A's ack of the notice sent");
    await alice.c.close();

    // A's device again, without resume: the server replays whatever A has not acknowledged.
    const again = open(srv.url, a, []);
    await again.c.open();
    // The replay is written right after ready; a copy to A's own Session ID is confirmed after it.
    again.c.sendEnvelope(id(2), a.identity.sessionId, ct, false);
    await until(() => again.seen.sent.length === 1, 'the own copy confirmed');
    expect(again.seen.delivered).toEqual([]);
    expect([...alice.seen.errors, ...bob.seen.errors, ...again.seen.errors]).toEqual([]);
    await Promise.all([again.c.close(), bob.c.close(), carol.c.close()]);
  });
});
