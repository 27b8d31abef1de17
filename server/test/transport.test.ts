// The relay on each transport it can run on: native uWebSockets.js (where the package has a build
// for this Node) and the Node fallback (always; it is what Node 22 and 24 get). Pages, methods,
// the WebSocket upgrade and its Origin check, and TLS with a certificate made for the test.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type uWS from 'uWebSockets.js';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startServer } from '../src/app.ts';
import { ConfigError } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { fallbackTransport, nativeTransport, type Transport } from '../src/transport/uws.ts';
import { RawClient } from './helpers/rawClient.ts';
import { start, track } from './helpers/server.ts';

const transports: Transport[] = [fallbackTransport, ...(nativeTransport ? [nativeTransport] : [])];

function staticDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sm-transport-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Session Messenger</title>');
  return dir;
}

/** A self-signed certificate for 127.0.0.1 and a key that does not belong to it. */
function certificate(): { dir: string; cert: string; key: string; otherKey: string; pem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sm-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const otherKey = join(dir, 'other.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', otherKey], {
    stdio: 'ignore',
  });
  return { dir, cert, key, otherKey, pem: execFileSync('cat', [cert]).toString() };
}

function httpsGet(url: string, ca: string, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method, ca }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe.each(transports.map((t) => [t.kind, t] as const))('the relay on the %s transport', (_kind, transport) => {
  it('serves pages to GET and HEAD, whatever case the method arrives in, and 405 to other methods', async () => {
    const srv = await start({ staticDir: staticDir() }, { transport });
    expect(srv.transport).toBe(transport.kind);
    const page = await fetch(`${srv.httpUrl}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Session Messenger');
    const head = await fetch(`${srv.httpUrl}/chats`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await head.text()).toBe('');
    const post = await fetch(`${srv.httpUrl}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect((await fetch(`${srv.httpUrl}/health`)).status).toBe(200);
  });

  it('opens /ws with hello, the security headers on the 101, and refuses a foreign Origin with 403', async () => {
    const srv = await start({}, { transport });
    const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const ws = new WebSocket(srv.url);
      ws.once('upgrade', (res) => resolve(res.headers));
      ws.once('error', reject);
      ws.once('open', () => ws.close());
    });
    expect(headers['x-frame-options']).toBe('DENY');
    const c = track(await RawClient.connect(srv.url));
    expect(c.hello).toMatchObject({ type: 'hello', epoch: srv.store.epoch });
    expect(await RawClient.upgradeStatus(srv.url, { origin: 'https://evil.example' })).toMatchObject({
      status: 403,
      body: expect.stringContaining('ORIGIN_FORBIDDEN'),
    });
  });

  it('serves https and wss with TLS_CERT and TLS_KEY', async () => {
    const tls = certificate();
    const srv = await start({ staticDir: staticDir(), tlsCert: tls.cert, tlsKey: tls.key }, { transport });
    expect(srv.tls).toBe(true);
    expect(srv.httpUrl).toBe(`https://127.0.0.1:${srv.port}`);
    expect(srv.url).toBe(`wss://127.0.0.1:${srv.port}/ws`);
    expect(await httpsGet(`${srv.httpUrl}/`, tls.pem)).toMatchObject({ status: 200, body: expect.stringContaining('Session Messenger') });
    expect((await httpsGet(`${srv.httpUrl}/health`, tls.pem)).status).toBe(200);
    const hello = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(srv.url, { ca: tls.pem });
      ws.once('message', (m) => {
        resolve(m.toString());
        ws.close();
      });
      ws.once('error', reject);
    });
    expect(JSON.parse(hello)).toMatchObject({ type: 'hello' });
  });
});

/** An app with only the routes below: uploads read with onData, a download streamed with tryEnd/onWritable. */
async function rawApp(transport: Transport, body: Buffer): Promise<{ url: string; close: () => void }> {
  const app = transport.app();
  app.post('/echo', (res) => {
    const chunks: Buffer[] = [];
    res.onAborted(() => {});
    res.onData((chunk, last) => {
      chunks.push(Buffer.from(chunk.slice(0)));
      if (last)
        res.cork(() =>
          res
            .writeStatus('201 Created')
            .writeHeader('X-Bytes', String(chunks.reduce((n, c) => n + c.length, 0)))
            .end(Buffer.concat(chunks)),
        );
    });
  });
  app.get('/download', (res) => {
    let aborted = false;
    res.onAborted(() => (aborted = true));
    // uWS's streaming pattern (examples/VideoStreamer.js): tryEnd, and on backpressure resume from
    // the offset onWritable reports.
    const CHUNK = 64 * 1024;
    let next = 0;
    const pump = (): void => {
      while (!aborted && next < body.length) {
        const chunk = body.subarray(next, next + CHUNK);
        const before = res.getWriteOffset();
        next += chunk.length;
        const [ok, done] = res.tryEnd(chunk, body.length);
        if (done) return;
        if (!ok) {
          res.onWritable((offset) => {
            const [ok2, done2] = res.tryEnd(chunk.subarray(offset - before), body.length);
            if (done2) return true;
            if (ok2) queueMicrotask(pump);
            return ok2;
          });
          return;
        }
      }
    };
    res.cork(() => {
      res.writeStatus('200 OK');
      pump();
    });
  });
  const socket = await new Promise<uWS.us_listen_socket>((resolve, reject) =>
    app.listen('127.0.0.1', 0, (s) => (s ? resolve(s) : reject(new Error('listen')))),
  );
  return { url: `http://127.0.0.1:${transport.localPort(socket)}`, close: () => transport.closeListenSocket(socket) };
}

describe.each(transports.map((t) => [t.kind, t] as const))('HTTP streaming on the %s transport', (_kind, transport) => {
  it('reads an upload in chunks and streams a download under backpressure, byte for byte', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 123);
    const app = await rawApp(transport, body);
    try {
      const up = await fetch(`${app.url}/echo`, { method: 'POST', body });
      expect(up.status).toBe(201);
      expect(up.headers.get('x-bytes')).toBe(String(body.length));
      expect(Buffer.from(await up.arrayBuffer()).equals(body)).toBe(true);
      const down = await fetch(`${app.url}/download`);
      expect(down.status).toBe(200);
      expect(down.headers.get('content-length')).toBe(String(body.length));
      expect(Buffer.from(await down.arrayBuffer()).equals(body)).toBe(true);
    } finally {
      app.close();
    }
  });
});

describe('TLS configuration', () => {
  it('refuses half a configuration, an unreadable file and a key of another certificate, naming the variable', async () => {
    const tls = certificate();
    const attempt = async (tlsCert: string | undefined, tlsKey: string | undefined): Promise<ConfigError> => {
      try {
        const srv = await startServer({ config: { host: '127.0.0.1', port: 0, tlsCert, tlsKey }, log: silentLogger() });
        await srv.close();
      } catch (err) {
        if (err instanceof ConfigError) return err;
        throw err;
      }
      throw new Error('started');
    };
    expect((await attempt(tls.cert, undefined)).variable).toBe('TLS_KEY');
    expect((await attempt(undefined, tls.key)).variable).toBe('TLS_CERT');
    expect((await attempt(join(tls.dir, 'missing.pem'), tls.key)).message).toMatch(
      /TLS_CERT=.*missing\.pem is not a readable PEM certificate/,
    );
    expect((await attempt(tls.cert, tls.cert)).variable).toBe('TLS_KEY');
    expect((await attempt(tls.cert, tls.otherKey)).message).toMatch(/is not the private key of the certificate/);
  });
});
