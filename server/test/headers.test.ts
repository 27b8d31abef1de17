// Web hardening on the server side: the security headers on every HTTP response this server
// writes, the WebSocket's 101 and its 403 included; a CSP that allows no inline script, no eval
// and no framing; HSTS only for requests a trusted proxy says came over TLS; and the probes
// /metrics gained (event-loop delay, heap, socket buffers).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { SECURITY_HEADERS } from '../src/http/http.ts';
import { start } from './helpers/server.ts';
import { scrapeMetrics, TEST_METRICS_TOKEN } from '../../testkit/net.ts';

type Headers = IncomingHttpHeaders;

function get(
  url: string,
  path: string,
  opts: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // A connection per request: uWS closes a connection after some errors, which would fail the next.
    const req = request(
      { host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The headers of the WebSocket upgrade's answer: 101, or the refusal. */
function upgrade(url: string, headers: Record<string, string> = {}, origin?: string): Promise<{ status: number; headers: Headers }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers, origin });
    ws.on('error', () => undefined);
    ws.once('upgrade', (res) => {
      resolve({ status: 101, headers: res.headers });
      ws.terminate();
    });
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, headers: res.headers });
    });
  });
}

function expectSecurityHeaders(h: Headers, what: string): void {
  for (const [k, v] of SECURITY_HEADERS) expect(h[k.toLowerCase()], `${what}: ${k}`).toBe(v);
  expect(h['content-security-policy'], `${what}: CSP`).toMatch(/^default-src 'self'; connect-src 'self' ws:\/\//);
}

function site(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sm-headers-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>x</title>');
  return dir;
}

function parseCsp(header: string): Map<string, string[]> {
  return new Map(
    header
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([name, ...values]) => [name!, values]),
  );
}

describe('security headers', () => {
  it('are on every HTTP response: routes, static files, errors, the 101 upgrade and the refused upgrade', async () => {
    const srv = await start({ staticDir: site() });
    const responses: [string, { status: number; headers: Headers }][] = [
      ['/health', await get(srv.httpUrl, '/health')],
      ['/stats', await get(srv.httpUrl, '/stats')],
      ['/metrics', await get(srv.httpUrl, '/metrics', { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })],
      ['/metrics without the token', await get(srv.httpUrl, '/metrics')],
      ['/', await get(srv.httpUrl, '/')],
      ['404', await get(srv.httpUrl, '/nope.js')],
      ['400', await get(srv.httpUrl, '/%00')],
      ['405', await get(srv.httpUrl, '/', { method: 'POST', headers: { 'Content-Length': '0' } })],
      ['HEAD', await get(srv.httpUrl, '/', { method: 'HEAD' })],
      ['GET /ws without upgrade', await get(srv.httpUrl, '/ws')],
      ['101', await upgrade(srv.url)],
      ['403 origin', await upgrade(srv.url, {}, 'https://evil.example')],
    ];
    expect(responses.map(([w, r]) => [w, r.status])).toEqual([
      ['/health', 200],
      ['/stats', 200],
      ['/metrics', 200],
      ['/metrics without the token', 404],
      ['/', 200],
      ['404', 404],
      ['400', 400],
      ['405', 405],
      ['HEAD', 200],
      ['GET /ws without upgrade', 200], // the app shell: an extension-less path
      ['101', 101],
      ['403 origin', 403],
    ]);
    for (const [what, r] of responses) {
      expectSecurityHeaders(r.headers, what);
      expect(r.headers['strict-transport-security'], what).toBeUndefined();
    }
  });

  it('have a strict CSP: scripts and styles from the origin only, no inline, no eval, no plugins, no framing', async () => {
    const srv = await start({ staticDir: site() });
    const csp = parseCsp((await get(srv.httpUrl, '/')).headers['content-security-policy'] as string);
    expect(csp.get('default-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('style-src')).toEqual(["'self'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    expect(csp.get('base-uri')).toEqual(["'none'"]);
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('form-action')).toEqual(["'self'"]);
    for (const [name, values] of csp) {
      expect(
        values.filter((v) => ["'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", "'unsafe-hashes'", '*'].includes(v)),
        name,
      ).toEqual([]);
    }
    // data: only for images (QR codes, avatars), never for scripts.
    expect(csp.get('script-src')).not.toContain('data:');
  });

  it("limits connect-src to the server's public WebSocket origins, never any ws:/wss: host (issue 11, finding 14)", async () => {
    const configured = await start({ staticDir: site(), publicOrigins: ['wss://chat.example.com', 'ws://10.0.0.5:8080'] });
    for (const r of [await get(configured.httpUrl, '/'), await get(configured.httpUrl, '/health'), await upgrade(configured.url)]) {
      expect(parseCsp(r.headers['content-security-policy'] as string).get('connect-src')).toEqual([
        "'self'",
        'ws://10.0.0.5:8080',
        'wss://chat.example.com',
      ]);
    }
    const local = await start({ staticDir: site() });
    const connect = parseCsp((await get(local.httpUrl, '/')).headers['content-security-policy'] as string).get('connect-src')!;
    expect(connect).toContain(`ws://127.0.0.1:${local.port}`);
    expect(connect).toContain(`ws://localhost:${local.port}`);
    expect(connect.filter((v) => v === 'ws:' || v === 'wss:' || v === '*' || !/^('self'|wss?:\/\/[^*]+)$/.test(v))).toEqual([]);
  });

  it('HSTS: only when a trusted proxy says the request came over https, and HSTS_MAX_AGE is not 0', async () => {
    const behindTls = { 'X-Forwarded-Proto': 'https' };
    const trusted = await start({ trustProxy: 1, staticDir: site() });
    const expected = `max-age=${365 * 86_400}`;
    for (const r of [
      await get(trusted.httpUrl, '/health', { headers: behindTls }),
      await get(trusted.httpUrl, '/metrics', { headers: { ...behindTls, authorization: `Bearer ${TEST_METRICS_TOKEN}` } }),
      await get(trusted.httpUrl, '/', { headers: behindTls }),
      await get(trusted.httpUrl, '/', { method: 'POST', headers: { ...behindTls, 'Content-Length': '0' } }),
      await upgrade(trusted.url, behindTls),
      await upgrade(trusted.url, behindTls, 'https://evil.example'),
    ]) {
      expect(r.headers['strict-transport-security']).toBe(expected);
    }
    // Plain http through the proxy, or a client claiming https to a server that trusts no proxy.
    expect(
      (await get(trusted.httpUrl, '/health', { headers: { 'X-Forwarded-Proto': 'http' } })).headers['strict-transport-security'],
    ).toBeUndefined();
    const untrusting = await start({ trustProxy: 0 });
    expect((await get(untrusting.httpUrl, '/health', { headers: behindTls })).headers['strict-transport-security']).toBeUndefined();
    expect((await upgrade(untrusting.url, behindTls)).headers['strict-transport-security']).toBeUndefined();
    const off = await start({ trustProxy: 1, hstsMaxAgeMs: 0 });
    expect((await get(off.httpUrl, '/health', { headers: behindTls })).headers['strict-transport-security']).toBeUndefined();
  });
});

describe('/metrics probes', () => {
  it('reports event-loop delay since the previous scrape, heap, and bytes waiting in sockets', async () => {
    const srv = await start();
    const scrape = async (): Promise<Map<string, number>> => {
      const text = await scrapeMetrics(srv.httpUrl);
      return new Map(
        text
          .split('\n')
          .filter((l) => l.startsWith('sm_'))
          .map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
      );
    };
    await scrape();
    // perf_hooks starts counting one sampling interval after a reset: give it a few.
    await new Promise((r) => setTimeout(r, 50));
    // The server runs in this process: stall its event loop for 250 ms, then let the probe sample.
    const until = Date.now() + 250;
    while (Date.now() < until) {
      // busy
    }
    await new Promise((r) => setTimeout(r, 50));
    const m = await scrape();
    const max = m.get('sm_event_loop_delay_max_seconds')!;
    expect(max).toBeGreaterThanOrEqual(0.2);
    expect(max).toBeLessThan(10);
    expect(m.get('sm_event_loop_delay_p50_seconds')!).toBeGreaterThanOrEqual(0);
    expect(m.get('sm_event_loop_delay_p50_seconds')!).toBeLessThanOrEqual(m.get('sm_event_loop_delay_p99_seconds')!);
    expect(m.get('sm_event_loop_delay_p99_seconds')!).toBeLessThanOrEqual(max);
    // Since the previous scrape only: the stall is not reported twice.
    expect((await scrape()).get('sm_event_loop_delay_max_seconds')!).toBeLessThan(max);
    expect(m.get('sm_process_heap_total_bytes')!).toBeGreaterThan(m.get('sm_process_heap_used_bytes')! / 2);
    expect(m.get('sm_socket_buffered_bytes_max')).toBe(0);
    expect(m.get('sm_socket_buffered_bytes_total')).toBe(0);
  });
});
