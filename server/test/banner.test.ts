// The start-up line a person reads: the URL, the LAN URLs a phone would use, transport and store.
import { spawn } from 'node:child_process';
import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lanAddresses, startupBanner } from '../src/banner.ts';

const root = new URL('../..', import.meta.url).pathname;

describe('startupBanner', () => {
  const lan = ['192.168.1.20', '10.0.0.5'];

  it('names localhost for a wildcard host, the LAN URLs, the transport and the store', () => {
    const text = startupBanner({ host: '0.0.0.0', port: 8080, tls: false, transport: 'uWebSockets.js native', store: 'memory' }, lan);
    expect(text.split('\n')[0]).toBe('Session Messenger listening on http://localhost:8080 (uWebSockets.js native, memory store)');
    expect(text).toContain('http://192.168.1.20:8080  http://10.0.0.5:8080');
    expect(text).toMatch(/no offline mode, install, copy or notifications/);
  });

  it('says https with TLS, and no secure-context warning then', () => {
    const text = startupBanner({ host: '::', port: 8443, tls: true, transport: 'Node.js fallback (node:http + ws)', store: 'redis' }, lan);
    expect(text).toContain('https://localhost:8443 (Node.js fallback (node:http + ws), redis store)');
    expect(text).toContain('https://192.168.1.20:8443');
    expect(text).not.toContain('offline mode');
  });

  it('shows a specific host as is, brackets IPv6, and lists no LAN URL for it', () => {
    expect(startupBanner({ host: '127.0.0.1', port: 1, tls: false, transport: 't', store: 'memory' }, lan)).toBe(
      'Session Messenger listening on http://127.0.0.1:1 (t, memory store)\n',
    );
    expect(startupBanner({ host: '::1', port: 1, tls: false, transport: 't', store: 'memory' }, lan)).toContain('http://[::1]:1');
  });

  it('takes external IPv4 addresses only', () => {
    const info = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) =>
      ({ address, family, internal, netmask: '', mac: '', cidr: null, scopeid: 0 }) as NetworkInterfaceInfo;
    expect(
      lanAddresses({ lo: [info('127.0.0.1', 'IPv4', true)], eth0: [info('192.168.1.20', 'IPv4', false), info('fe80::1', 'IPv6', false)] }),
    ).toEqual(['192.168.1.20']);
  });

  it('is printed by npm start on stderr, stdout keeping JSON lines only', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', UWS_USE_FALLBACK: process.env.UWS_USE_FALLBACK ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const line = await new Promise<string>((resolve) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('\n')) resolve(err);
      });
    });
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(line).toMatch(
      /^Session Messenger listening on http:\/\/127\.0\.0\.1:\d+ \((uWebSockets\.js native|Node\.js fallback \(node:http \+ ws\)), memory store\)/,
    );
    const lines = out.split('\n').filter(Boolean);
    for (const l of lines) expect(() => JSON.parse(l), l).not.toThrow();
    expect(
      lines.map((l) => JSON.parse(l) as { event: string; transport?: string }).find((l) => l.event === 'listening')?.transport,
    ).toMatch(/^(native|fallback)$/);
  });
});
