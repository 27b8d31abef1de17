// HTTP: /health, /stats (aggregates only), /metrics (Prometheus), static PWA, security headers,
// and the Origin check on the WebSocket upgrade.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../src/http/http.ts';
import { connectAs, grant, invitationTo, newIdentity, RawClient } from './helpers/rawClient.ts';
import { getJson, start, track } from './helpers/server.ts';
import { scrapeMetrics, TEST_METRICS_TOKEN } from '../../testkit/net.ts';

function expectSecurityHeaders(headers: Headers | Record<string, string | string[] | undefined>): void {
  const get = (k: string) => (headers instanceof Headers ? headers.get(k) : (headers[k.toLowerCase()] as string | undefined));
  for (const [k, v] of SECURITY_HEADERS) expect(get(k), k).toBe(v);
  expect(get('Content-Security-Policy')).toContain("frame-ancestors 'none'");
}

/** A raw GET, so paths reach the server exactly as written (fetch would normalise "..") */
type RawHeaders = Record<string, string | string[] | undefined>;

/** node:http, not fetch: no URL normalisation, and the body's bytes exactly as sent (no decoding). */
function rawRequest(
  url: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  agent?: Agent,
): Promise<{ status: number; bytes: Buffer; headers: RawHeaders }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request({ host: u.hostname, port: u.port, path, method, headers, ...(agent ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes: Buffer.concat(chunks), headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function rawGet(url: string, path: string): Promise<{ status: number; body: string; headers: RawHeaders }> {
  const r = await rawRequest(url, path);
  return { status: r.status, body: r.bytes.toString(), headers: r.headers };
}

const SESSION_ID_ANYWHERE = /05[0-9a-f]{64}/;

describe('/health', () => {
  it('answers status, uptime, connections, store and epoch', async () => {
    const srv = await start();
    track(await RawClient.connect(srv.url));
    const { status, body, headers } = await getJson(`${srv.httpUrl}/health`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'ok', connections: 1, store: 'memory', epoch: srv.store.epoch });
    expect(typeof body.uptime).toBe('number');
    expect(headers.get('content-type')).toMatch(/^application\/json/);
    expect(headers.get('cache-control')).toBe('no-store');
    expectSecurityHeaders(headers);
  });
});

describe('/stats', () => {
  it('reports aggregate counts and never a Session ID', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const carol = newIdentity();
    const a = track(await connectAs(srv.url, alice, { grants: [grant(bob, alice)] }));
    track(await connectAs(srv.url, bob));
    track(await RawClient.connect(srv.url)); // not authenticated
    a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    a.send(invitationTo(alice, carol));
    await a.next('ok');
    const { status, body, headers } = await getJson(`${srv.httpUrl}/stats`);
    expect(status).toBe(200);
    expectSecurityHeaders(headers);
    expect(body).toMatchObject({
      activeConnections: 3,
      authenticatedConnections: 2,
      onlineIdentities: 2,
      pendingInvitations: 1,
      messagesRouted: 1,
      store: 'memory',
    });
    // Mailbox sizes are private (/metrics): after an invitation they said whether its recipient was online.
    expect(body).not.toHaveProperty('mailboxEntries');
    expect((await scrapeMetrics(srv.httpUrl)).match(/^sm_mailbox_entries (\d+)$/m)?.[1]).toBe('3');
    for (const v of Object.values(body)) expect(typeof v === 'number' || typeof v === 'string').toBe(true);
    const text = JSON.stringify(body);
    expect(text).not.toMatch(SESSION_ID_ANYWHERE);
    for (const who of [alice, bob, carol]) expect(text).not.toContain(who.sessionId.slice(2, 20));
  });
});

describe('/metrics', () => {
  it('is Prometheus text with counters and gauges, and no Session ID', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = track(await connectAs(srv.url, alice, { grants: [grant(bob, alice)] }));
    a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    a.sendEnvelope(newIdentity().sessionId);
    await a.next('error');
    const bad = track(await RawClient.connect(srv.url));
    bad.send({ type: 'ping' });
    await bad.closed();
    const res = await fetch(`${srv.httpUrl}/metrics`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expectSecurityHeaders(res.headers);
    const text = await res.text();
    for (const line of text.trim().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) sm_\w+ .+|sm_\w+(\{\w+="[^"]*"\})? -?\d+(\.\d+)?(e[+-]?\d+)?)$/);
    }
    expect(text).toMatch(/^# TYPE sm_connections_active gauge$/m);
    expect(text).toMatch(/^sm_connections_active 1$/m); // the refused socket is gone
    expect(text).toMatch(/^sm_frames_in_total\{type="send"\} 2$/m);
    expect(text).toMatch(/^sm_frames_out_total\{type="sent"\} 1$/m);
    expect(text).toMatch(/^sm_errors_total\{code="NO_GRANT"\} 1$/m);
    expect(text).toMatch(/^sm_auth_failures_total\{code="AUTH_REQUIRED"\} 1$/m);
    expect(text).toMatch(/^sm_envelopes_routed_total\{kind="stored"\} 1$/m);
    expect(text).toMatch(/^sm_mailbox_entries 1$/m);
    expect(text).toMatch(/^sm_mailbox_bytes \d+$/m);
    expect(text).not.toMatch(SESSION_ID_ANYWHERE);
  });
});

describe('static files', () => {
  function site(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sm-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Session</title>');
    writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
    writeFileSync(join(dir, 'manifest.webmanifest'), '{"name":"Session"}');
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'assets', 'index-a1b2c3d4.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'style-a1b2c3d4.css'), 'body{}');
    writeFileSync(join(dir, 'icon.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    return dir;
  }

  it('serves the PWA with content types, caching and the app shell for routes', async () => {
    const srv = await start({ staticDir: site() });
    const root = await fetch(`${srv.httpUrl}/`);
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(root.headers.get('cache-control')).toBe('no-cache');
    expectSecurityHeaders(root.headers);
    expect(await root.text()).toContain('<title>Session</title>');

    const js = await fetch(`${srv.httpUrl}/assets/index-a1b2c3d4.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log(1)');
    expect((await fetch(`${srv.httpUrl}/assets/style-a1b2c3d4.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect((await fetch(`${srv.httpUrl}/icon.png`)).headers.get('content-type')).toBe('image/png');
    const sw = await fetch(`${srv.httpUrl}/sw.js`);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`${srv.httpUrl}/manifest.webmanifest`)).headers.get('content-type')).toBe(
      'application/manifest+json; charset=utf-8',
    );

    const route = await fetch(`${srv.httpUrl}/chat/05abc`);
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<title>Session</title>');

    const missing = await fetch(`${srv.httpUrl}/assets/missing-12345678.js`);
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
  });

  it('sends text assets with Brotli or gzip as the client accepts, and Vary says so', async () => {
    const dir = site();
    const script = `export const words = ${JSON.stringify(Array.from({ length: 400 }, (_, i) => `word${i}`))};\n`;
    writeFileSync(join(dir, 'assets', 'engine-b1c2d3e4.js'), script);
    const srv = await start({ staticDir: dir });
    const path = '/assets/engine-b1c2d3e4.js';

    const br = await rawRequest(srv.httpUrl, path, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(br.bytes.length).toBeLessThan(script.length / 2);
    expect(brotliDecompressSync(br.bytes).toString()).toBe(script);
    expectSecurityHeaders(br.headers);

    const gz = await rawRequest(srv.httpUrl, path, { 'accept-encoding': 'br;q=0, gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.bytes).toString()).toBe(script);

    for (const accept of [undefined, 'identity', 'gzip;q=0, br;q=0', '*;q=0']) {
      const plain = await rawRequest(srv.httpUrl, path, accept === undefined ? {} : { 'accept-encoding': accept });
      expect(plain.headers['content-encoding'], String(accept)).toBeUndefined();
      expect(plain.headers.vary).toBe('Accept-Encoding');
      expect(plain.bytes.toString()).toBe(script);
    }
    expect((await rawRequest(srv.httpUrl, path, { 'accept-encoding': '*' })).headers['content-encoding']).toBe('br');

    // HEAD announces the length of what GET would send with the same Accept-Encoding, and the
    // kept-alive connection it came on still serves the next request.
    const oneConnection = new Agent({ keepAlive: true, maxSockets: 1 });
    const head = await rawRequest(srv.httpUrl, path, { 'accept-encoding': 'gzip' }, 'HEAD', oneConnection);
    expect(head.headers['content-length']).toBe(String(gz.bytes.length));
    expect(head.bytes.length).toBe(0);
    const afterHead = await rawRequest(srv.httpUrl, path, { 'accept-encoding': 'gzip' }, 'GET', oneConnection);
    expect(gunzipSync(afterHead.bytes).toString()).toBe(script);
    oneConnection.destroy();

    // Tiny files and images go as they are: nothing to gain.
    const tiny = await rawRequest(srv.httpUrl, '/assets/index-a1b2c3d4.js', { 'accept-encoding': 'br, gzip' });
    expect(tiny.headers['content-encoding']).toBeUndefined();
    expect(tiny.bytes.toString()).toBe('console.log(1)');
    const png = await rawRequest(srv.httpUrl, '/icon.png', { 'accept-encoding': 'br, gzip' });
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.headers.vary).toBeUndefined();

    // A rebuild that rewrites a file in place is served fresh, compressed again.
    const next = script.replace('word0', 'changed');
    writeFileSync(join(dir, 'assets', 'engine-b1c2d3e4.js'), next);
    const again = await rawRequest(srv.httpUrl, path, { 'accept-encoding': 'br' });
    expect(brotliDecompressSync(again.bytes).toString()).toBe(next);
  });

  it('never serves dotfiles or anything outside the directory', async () => {
    const srv = await start({ staticDir: site() });
    for (const path of ['/.env', '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2f..%2fetc%2fpasswd', '/%00']) {
      const r = await rawGet(srv.httpUrl, path);
      expect([400, 404], path).toContain(r.status);
      expect(r.body).not.toContain('root:');
      expect(r.body).not.toContain('SECRET');
      expectSecurityHeaders(r.headers);
    }
  });

  it('answers 404 plainly when STATIC_DIR does not exist, and 405 to other methods', async () => {
    const srv = await start();
    const r = await fetch(`${srv.httpUrl}/`);
    expect(r.status).toBe(404);
    expect(await r.text()).toBe('Not Found\n');
    expectSecurityHeaders(r.headers);
    const post = await fetch(`${srv.httpUrl}/health`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expectSecurityHeaders(post.headers);
  });
});

describe('origin check on /ws', () => {
  it('allows same-origin pages and clients without Origin; refuses other origins with 403', async () => {
    const srv = await start();
    const host = new URL(srv.httpUrl).host;
    expect((await RawClient.upgradeStatus(srv.url)).status).toBe(101);
    expect((await RawClient.upgradeStatus(srv.url, { origin: `http://${host}` })).status).toBe(101);
    const evil = await RawClient.upgradeStatus(srv.url, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.body).toContain('ORIGIN_FORBIDDEN');
    expect((await RawClient.upgradeStatus(srv.url, { origin: 'null' })).status).toBe(403);
    expect((await RawClient.upgradeStatus(srv.url, { origin: `http://${host}.evil.example` })).status).toBe(403);
    // Same host through a proxy on the default port.
    expect((await RawClient.upgradeStatus(srv.url, { origin: 'https://chat.example', headers: { Host: 'chat.example:443' } })).status).toBe(
      101,
    );
    const text = await scrapeMetrics(srv.httpUrl);
    expect(text).toMatch(/^sm_connections_rejected_total\{reason="origin"\} 3$/m);
  });

  it('follows ALLOWED_ORIGINS, and * allows any', async () => {
    const listed = await start({ allowedOrigins: ['https://chat.example'] });
    expect((await RawClient.upgradeStatus(listed.url, { origin: 'https://chat.example' })).status).toBe(101);
    expect((await RawClient.upgradeStatus(listed.url, { origin: new URL(listed.httpUrl).origin })).status).toBe(403);
    const any = await start({ allowedOrigins: ['*'] });
    expect((await RawClient.upgradeStatus(any.url, { origin: 'https://anything.example' })).status).toBe(101);
  });
});
