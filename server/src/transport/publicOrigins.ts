// The origins an auth v2 signature may name (docs/operations.md "Public origins"). Taken from
// configuration, never from a request's Host header: a man in the middle writes that header itself.
import { networkInterfaces } from 'node:os';
import { normaliseOrigin } from '../../../protocol/index.ts';
import { checkConfig, type Config } from '../config.ts';

function hostPart(address: string): string {
  return address.includes(':') ? `[${address.replace(/%.*$/, '')}]` : address;
}

/**
 * PUBLIC_ORIGINS when set. Otherwise ws:// (wss:// with TLS_CERT) at the bound port on the listening address (each of this
 * machine's addresses for 0.0.0.0 / ::) and on localhost, 127.0.0.1 and [::1]: right for a server
 * reached directly, and refused outright behind a proxy (checkConfig), where it would be wrong.
 */
export function publicOrigins(config: Pick<Config, 'host' | 'trustProxy' | 'publicOrigins'>, port: number, tls = false): Set<string> {
  checkConfig(config);
  if (config.publicOrigins.length > 0) return new Set(config.publicOrigins);
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]']);
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '';
  if (!wildcard) hosts.add(hostPart(config.host));
  else {
    for (const list of Object.values(networkInterfaces())) {
      for (const a of list ?? []) if (config.host !== '0.0.0.0' || a.family === 'IPv4') hosts.add(hostPart(a.address));
    }
  }
  const out = new Set<string>();
  for (const h of hosts) {
    try {
      out.add(normaliseOrigin(`${tls ? 'wss' : 'ws'}://${h}:${port}`));
    } catch {
      // an interface address URL cannot spell (a zone id): nobody can dial it as written either
    }
  }
  return out;
}
