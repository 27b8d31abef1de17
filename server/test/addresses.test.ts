// Issue 11, findings 4 and 7: the client address behind proxies, and caps on sockets per address.
// 4: X-Forwarded-For is read from every header line, in order, TRUST_PROXY hops from the right, so
//    behind HAProxy (which adds a line of its own) or nginx (docs/nginx.conf) a client cannot pick
//    its own address by sending lines of its own.
// 7: one address that opens sockets and never authenticates cannot fill the server.
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../../protocol/index.ts';
import { freePort } from '../../testkit/net.ts';
import type { Config } from '../src/config.ts';
import { Nginx, NGINX } from './helpers/cluster.ts';
import { ForwardForProxy } from './helpers/forwardProxy.ts';
import { connectAs, grant, newIdentity } from './helpers/rawClient.ts';
import { expectHonestPairWorks, start, track } from './helpers/server.ts';

/** Every limit off but SEND_RATE_IP = 1: the second send from one address is refused. */
const ONE_SEND_PER_ADDRESS: Partial<Config> = {
  sendRatePerMin: 0,
  sendRateIpPerMin: 1,
  inviteRateIpPerHour: 0,
  presenceRatePerMin: 0,
  presenceRateIpPerMin: 0,
  authRateIpPerMin: 0,
};

/** Whether a second client, claiming another address, shares the first one's address bucket. */
async function sameBucket(url: string, first: string[], second: string[]): Promise<boolean> {
  const bob = newIdentity();
  const [x, y] = [newIdentity(), newIdentity()];
  const cx = track(await connectAs(url, x, { grants: [grant(bob, x)], headers: { 'X-Forwarded-For': first } }));
  const cy = track(await connectAs(url, y, { grants: [grant(bob, y)], headers: { 'X-Forwarded-For': second } }));
  const a = cx.sendEnvelope(bob.sessionId);
  expect((await cx.next((f) => f.id === a || f.ref === a)).type).toBe('sent');
  const b = cy.sendEnvelope(bob.sessionId);
  const reply = await cy.next((f) => f.id === b || f.ref === b);
  return reply.type === 'error' && reply.code === 'RATE_LIMITED';
}

describe('X-Forwarded-For: every line, counted from the right', () => {
  it('takes the proxy-added last line, not a line the client sent first', async () => {
    const srv = await start({ ...ONE_SEND_PER_ADDRESS, trustProxy: 1 });
    // Two clients claim different addresses in their own first lines; the proxy's line is the same.
    expect(await sameBucket(srv.url, ['198.51.100.1', '203.0.113.5'], ['198.51.100.2', '203.0.113.5'])).toBe(true);
  });

  it('counts TRUST_PROXY hops across lines and within them', async () => {
    const srv = await start({ ...ONE_SEND_PER_ADDRESS, trustProxy: 2 });
    expect(await sameBucket(srv.url, ['1.1.1.1', '203.0.113.9, 10.0.0.2'], ['2.2.2.2, 203.0.113.9', '10.0.0.3'])).toBe(true);
    const other = await start({ ...ONE_SEND_PER_ADDRESS, trustProxy: 2 });
    expect(await sameBucket(other.url, ['1.1.1.1', '203.0.113.9', '10.0.0.2'], ['1.1.1.1', '203.0.113.10', '10.0.0.2'])).toBe(false);
  });

  it('behind the HAProxy example (option forwardfor adds a line): forged lines change nothing', async () => {
    const proxy = await ForwardForProxy.start();
    try {
      const port = await freePort();
      const srv = await start({ ...ONE_SEND_PER_ADDRESS, trustProxy: 1, port, publicOrigins: [`ws://127.0.0.1:${proxy.port}`] });
      proxy.target = srv.port;
      expect(await sameBucket(proxy.url, ['198.51.100.1'], ['198.51.100.2', '198.51.100.3'])).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it.skipIf(NGINX === undefined)('behind docs/nginx.conf: forged lines change nothing', async () => {
    const front = await freePort();
    const srv = await start({ ...ONE_SEND_PER_ADDRESS, trustProxy: 1, publicOrigins: [`ws://127.0.0.1:${front}`] });
    const nginx = await Nginx.start([srv.port], front);
    try {
      expect(await sameBucket(nginx.url, ['198.51.100.1'], ['198.51.100.2', '198.51.100.3'])).toBe(true);
    } finally {
      await nginx.stop();
    }
  });
});

/** Opens a socket from `address` (via X-Forwarded-For) and resolves with its first frame's type or its close code. */
function open(url: string, address: string, sockets: WebSocket[]): Promise<{ hello: boolean; close?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { 'X-Forwarded-For': address } });
    sockets.push(ws);
    ws.on('error', () => undefined);
    ws.once('message', (d) => {
      const f = JSON.parse(d.toString()) as { type: string };
      if (f.type === 'hello') resolve({ hello: true });
    });
    ws.once('close', (code) => resolve({ hello: false, close: code }));
  });
}

describe('sockets per address', () => {
  it('sockets from one address that never authenticate do not stop another address from connecting', async () => {
    const srv = await start({ maxConnections: 20, maxUnauthPerIp: 5, trustProxy: 1, authTimeoutMs: 60_000 });
    const sockets: WebSocket[] = [];
    try {
      const results = [];
      for (let i = 0; i < 20; i++) results.push(await open(srv.url, '198.51.100.66', sockets));
      expect(results.filter((r) => r.hello)).toHaveLength(5);
      expect(results.filter((r) => r.close === ERRORS.TOO_MANY_CONNECTIONS.close)).toHaveLength(15);
      // Someone else still gets in, and an honest pair talks.
      expect((await open(srv.url, '203.0.113.1', sockets)).hello).toBe(true);
      await expectHonestPairWorks(srv);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
  });

  it('authenticated sockets free their unauthenticated slot; the total per address is capped too', async () => {
    const srv = await start({ maxConnectionsPerIp: 4, maxUnauthPerIp: 2, trustProxy: 1 });
    const here = { headers: { 'X-Forwarded-For': '198.51.100.77' } };
    for (let i = 0; i < 4; i++) track(await connectAs(srv.url, newIdentity(), here));
    const sockets: WebSocket[] = [];
    try {
      expect(await open(srv.url, '198.51.100.77', sockets)).toEqual({ hello: false, close: ERRORS.TOO_MANY_CONNECTIONS.close });
      expect((await open(srv.url, '198.51.100.78', sockets)).hello).toBe(true);
    } finally {
      for (const ws of sockets) ws.terminate();
    }
    // The refusal says why, with a code the SDK treats as retryable.
    const c = new WebSocket(srv.url, here);
    c.on('error', () => undefined);
    const first = await new Promise<{ type: string; code: string }>((r) => c.once('message', (d) => r(JSON.parse(d.toString()))));
    expect(first).toMatchObject({ type: 'error', code: 'TOO_MANY_CONNECTIONS' });
    expect(ERRORS.TOO_MANY_CONNECTIONS.retryable).toBe(true);
    c.terminate();
  });
});
