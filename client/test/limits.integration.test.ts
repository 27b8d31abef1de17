// Limits end to end, SDK against the real server: a refused send or auth is never lost and never
// hammered; the SDK waits what the server said (retryAfterMs) and gets through.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { createAuthFrame, createIdentity, randomId, toBase64 } from '../../protocol/index.ts';
import type { ConnectionEvent } from '../index.ts';
import { client, collect, eventually, server, friends } from './integration.ts';
import { scrapeMetrics } from '../../testkit/net.ts';

async function metric(httpUrl: string, line: RegExp): Promise<number> {
  const m = line.exec(await scrapeMetrics(httpUrl));
  return m ? Number(m[1]) : 0;
}

/** One auth attempt with a junk signature (spends one token of the address's auth bucket). */
function junkAuth(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('error', () => resolve());
    ws.on('close', () => resolve());
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string; nonce?: string; epoch?: string };
      if (f.type !== 'hello') return;
      const auth = createAuthFrame({ identity: createIdentity(), deviceId: randomId(), nonce: f.nonce!, epoch: f.epoch!, url });
      ws.send(JSON.stringify({ ...auth, signature: toBase64(new Uint8Array(64)) }));
    });
  });
}

describe('limits, end to end', () => {
  it('SEND_RATE: refused sends are failed with RATE_LIMITED, retried after retryAfterMs, and each arrives exactly once', async () => {
    const srv = await server({ sendRatePerMin: 120 });
    const { alice, bob } = await friends(srv);
    const statuses = collect(alice.c, 'status');
    const got = collect(bob.c, 'message');
    // 64 messages and their 64 copies for Alice's other devices: 128 sends against a bucket of 120.
    const ids: string[] = [];
    for (let i = 0; i < 64; i++) ids.push(await alice.c.sendMessage({ recipientId: bob.id, content: `m${i}` }));
    await eventually(() => statuses.some((s) => s.status === 'failed' && s.reason === 'RATE_LIMITED'), 'a send is refused');
    await eventually(() => got.length >= 64, 'Bob has all 64', 30_000);
    await eventually(
      async () => (await Promise.all(ids.map((id) => alice.c.getMessage(id)))).every((m) => m?.status === 'delivered'),
      'all delivered',
      30_000,
    );
    await bob.c.idle();
    expect(got).toHaveLength(64);
    expect(new Set(got.map((m) => m.id))).toEqual(new Set(ids));
    expect((await bob.c.getConversation(alice.id)).messages).toHaveLength(64);
    expect(await metric(srv.httpUrl, /^sm_rate_limited_total\{bucket="send"\} (\d+)$/m)).toBeGreaterThan(0);
  }, 60_000);

  it('AUTH_RATE_IP: a refused connect waits retryAfterMs before it tries again, then connects', async () => {
    const srv = await server({ authRateIpPerMin: 30 });
    await Promise.all(Array.from({ length: 30 }, () => junkAuth(srv.url)));
    const c = await client(srv);
    await c.createIdentity();
    const events: ConnectionEvent[] = collect(c, 'connection');
    await c.connect(); // resolves once through: the refusal is not a reason to give up
    expect(events.some((e) => e.code === 4428)).toBe(true);
    // The client's own backoff here is 20–200 ms; the bucket refills one token per 2 s. Had it not
    // waited retryAfterMs it would have been refused about ten times before getting through.
    expect(await metric(srv.httpUrl, /^sm_auth_failures_total\{code="AUTH_RATE_LIMITED"\} (\d+)$/m)).toBeLessThanOrEqual(2);
    expect(c.connectionState).toBe('connected');
  });
});
