// VAPID keys (RFC 8292): the server signs every push with them, and a subscription is bound to the
// public key it was made with, so they must not change across restarts and must be the same on
// every instance. From config (VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY), else generated once into a
// key file (one instance). With Redis they are not generated into Redis: see docs/operations.md
// "Web Push" (a cache that can lose its data would silently break every subscription, and the
// signing key would sit next to the data).
import { createECDH, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import webpush from 'web-push';
import { ConfigError, type Config } from '../config.ts';

export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly subject: string;
}

function b64urlBytes(s: string): Buffer {
  return Buffer.from(s.replace(/=+$/, ''), 'base64url');
}

/** Throws ConfigError unless the pair is a P-256 key pair that belongs together. */
export function checkVapidPair(publicKey: string, privateKey: string, where: string): void {
  const pub = b64urlBytes(publicKey);
  const priv = b64urlBytes(privateKey);
  if (pub.length !== 65 || pub[0] !== 4)
    throw new ConfigError('VAPID_PUBLIC_KEY', `${where}: the VAPID public key must be an uncompressed P-256 point (65 bytes, base64url)`);
  if (priv.length !== 32) throw new ConfigError('VAPID_PRIVATE_KEY', `${where}: the VAPID private key must be 32 bytes (base64url)`);
  let derived: Buffer;
  try {
    const ecdh = createECDH('prime256v1');
    ecdh.setPrivateKey(priv);
    derived = ecdh.getPublicKey();
  } catch {
    throw new ConfigError('VAPID_PRIVATE_KEY', `${where}: the VAPID private key is not a valid P-256 scalar`);
  }
  if (!derived.equals(pub)) throw new ConfigError('VAPID_PUBLIC_KEY', `${where}: the VAPID public and private keys are not one pair`);
}

/** The configured keys, checked; undefined when push is off. */
export function vapidFromConfig(config: Config): VapidKeys | undefined {
  const { vapidPublicKey: pub, vapidPrivateKey: priv } = config;
  if (pub === undefined && priv === undefined) return undefined;
  if (pub === undefined || priv === undefined) {
    throw new ConfigError(
      pub === undefined ? 'VAPID_PUBLIC_KEY' : 'VAPID_PRIVATE_KEY',
      'VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY are set together or not at all',
    );
  }
  checkVapidPair(pub, priv, 'config');
  return { publicKey: pub, privateKey: priv, subject: config.vapidSubject };
}

/**
 * For main.ts: keys from config, else from VAPID_KEY_FILE (created at first start, mode 0600, with
 * O_EXCL so two processes racing agree on one pair). With Redis the file is used only when set
 * explicitly (`explicitFile`): a default path is local to one machine, not shared by the fleet.
 * Returns the config with the keys filled in, and what happened, for the start-up log.
 */
export function resolveVapidKeys(
  config: Config,
  explicitFile: boolean,
): { config: Config; source: 'config' | 'file' | 'generated' | 'off' } {
  if (config.vapidPublicKey !== undefined || config.vapidPrivateKey !== undefined) {
    vapidFromConfig(config);
    return { config, source: 'config' };
  }
  const file = config.vapidKeyFile;
  if (file === '' || (config.redisUrl !== undefined && !explicitFile)) return { config, source: 'off' };
  const read = (): { publicKey: string; privateKey: string } | undefined => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConfigError('VAPID_KEY_FILE', `cannot read ${file}: ${(err as Error).message}`);
    }
    let keys: { publicKey?: unknown; privateKey?: unknown };
    try {
      keys = JSON.parse(text) as typeof keys;
    } catch {
      throw new ConfigError('VAPID_KEY_FILE', `${file} is not JSON`);
    }
    if (typeof keys.publicKey !== 'string' || typeof keys.privateKey !== 'string')
      throw new ConfigError('VAPID_KEY_FILE', `${file} lacks publicKey/privateKey`);
    checkVapidPair(keys.publicKey, keys.privateKey, file);
    return { publicKey: keys.publicKey, privateKey: keys.privateKey };
  };
  let keys = read();
  let source: 'file' | 'generated' = 'file';
  if (keys === undefined) {
    const made = webpush.generateVAPIDKeys();
    mkdirSync(dirname(file), { recursive: true });
    try {
      writeFileSync(file, JSON.stringify({ publicKey: made.publicKey, privateKey: made.privateKey }, null, 2) + '\n', {
        mode: 0o600,
        flag: 'wx',
      });
      source = 'generated';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST')
        throw new ConfigError('VAPID_KEY_FILE', `cannot create ${file}: ${(err as Error).message}`);
    }
    keys = read()!;
  }
  return { config: { ...config, vapidPublicKey: keys.publicKey, vapidPrivateKey: keys.privateKey }, source };
}

/**
 * The key of the Topic hash: derived from the VAPID private key, so every instance has the same
 * one without another secret to configure, and nobody without that key can link topics to devices.
 */
export function topicKey(keys: VapidKeys): Buffer {
  return createHmac('sha256', b64urlBytes(keys.privateKey)).update('session-messenger/push-topic/v1').digest();
}
