// VAPID keys: stable across restarts (a key file created once, then read), shared by every
// instance (with Redis only from config or an explicit shared file, never generated per instance),
// and a pair that does not belong together stops start-up with the variable named.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import webpush from 'web-push';
import { ConfigError, defaultConfig, loadConfig } from '../src/config.ts';
import { resolveVapidKeys, vapidFromConfig } from '../src/push/vapid.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmpFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'vapid-'));
  dirs.push(d);
  return join(d, 'sub', 'vapid.json');
}

describe('VAPID keys', () => {
  it('generates a pair into the key file at first start (0600), and reads the same one after', () => {
    const file = tmpFile();
    const first = resolveVapidKeys({ ...defaultConfig(), vapidKeyFile: file }, false);
    expect(first.source).toBe('generated');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = resolveVapidKeys({ ...defaultConfig(), vapidKeyFile: file }, false);
    expect(again.source).toBe('file');
    expect(again.config.vapidPublicKey).toBe(first.config.vapidPublicKey);
    expect(again.config.vapidPrivateKey).toBe(first.config.vapidPrivateKey);
    expect(vapidFromConfig(again.config)?.publicKey).toBe(JSON.parse(readFileSync(file, 'utf8')).publicKey);
  });

  it('with Redis, generates nothing unless the key file was set explicitly (push is off)', () => {
    const file = tmpFile();
    const redis = { ...defaultConfig(), redisUrl: 'redis://127.0.0.1:6379', vapidKeyFile: file };
    expect(resolveVapidKeys(redis, false)).toMatchObject({ source: 'off' });
    expect(() => statSync(file)).toThrow();
    expect(resolveVapidKeys(redis, true).source).toBe('generated');
  });

  it('takes the pair from config, and refuses half a pair or two halves of different pairs', () => {
    const [a, b] = [webpush.generateVAPIDKeys(), webpush.generateVAPIDKeys()];
    const c = loadConfig({
      VAPID_PUBLIC_KEY: a.publicKey,
      VAPID_PRIVATE_KEY: a.privateKey,
      VAPID_SUBJECT: 'https://relay.example/contact',
    });
    expect(resolveVapidKeys(c, false).source).toBe('config');
    expect(vapidFromConfig(c)).toEqual({ publicKey: a.publicKey, privateKey: a.privateKey, subject: 'https://relay.example/contact' });
    const err = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e instanceof ConfigError ? `${e.variable}: ${e.message}` : String(e);
      }
      return 'no error';
    };
    expect(err(() => vapidFromConfig(loadConfig({ VAPID_PUBLIC_KEY: a.publicKey })))).toMatch(/^VAPID_PRIVATE_KEY: .*together/);
    expect(err(() => vapidFromConfig(loadConfig({ VAPID_PUBLIC_KEY: a.publicKey, VAPID_PRIVATE_KEY: b.privateKey })))).toMatch(
      /^VAPID_PUBLIC_KEY: .*not one pair/,
    );
    expect(err(() => loadConfig({ VAPID_SUBJECT: 'admin@example.com' }))).toMatch(/^VAPID_SUBJECT: /);
    const file = tmpFile();
    resolveVapidKeys({ ...defaultConfig(), vapidKeyFile: file }, false);
    writeFileSync(file, JSON.stringify({ publicKey: a.publicKey, privateKey: b.privateKey }));
    expect(err(() => resolveVapidKeys({ ...defaultConfig(), vapidKeyFile: file }, false))).toMatch(/^VAPID_PUBLIC_KEY: .*not one pair/);
  });
});
