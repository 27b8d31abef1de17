// TLS_CERT / TLS_KEY checked before the listener is made: uWS's SSLApp given a bad file only logs
// and then fails every handshake, so a wrong path or a key that does not match the certificate
// is a start-up error here, naming the variable.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type Config } from '../config.ts';
import type { TlsFiles } from './uws.ts';

export function tlsFiles(config: Pick<Config, 'tlsCert' | 'tlsKey'>): TlsFiles | undefined {
  const { tlsCert, tlsKey } = config;
  if (tlsCert === undefined && tlsKey === undefined) return undefined;
  if (tlsCert === undefined) throw new ConfigError('TLS_CERT', 'TLS_KEY is set but TLS_CERT is not: set both (https) or neither (http)');
  if (tlsKey === undefined) throw new ConfigError('TLS_KEY', 'TLS_CERT is set but TLS_KEY is not: set both (https) or neither (http)');
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(readFileSync(tlsCert));
  } catch (err) {
    throw new ConfigError('TLS_CERT', `TLS_CERT=${tlsCert} is not a readable PEM certificate: ${(err as Error).message}`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(readFileSync(tlsKey));
  } catch (err) {
    throw new ConfigError('TLS_KEY', `TLS_KEY=${tlsKey} is not a readable, unencrypted PEM private key: ${(err as Error).message}`);
  }
  if (!cert.checkPrivateKey(key))
    throw new ConfigError('TLS_KEY', `TLS_KEY=${tlsKey} is not the private key of the certificate in TLS_CERT=${tlsCert}`);
  return { cert: tlsCert, key: tlsKey };
}
