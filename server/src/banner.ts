// The start-up line for a person, printed next to the JSON "listening" log line: where to point a
// browser (localhost, and the LAN addresses a phone would use), which transport and which store.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export interface BannerInput {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** transport.label: "uWebSockets.js native" or the fallback's name. */
  readonly transport: string;
  readonly store: string;
}

/** IPv4 addresses of this machine that another device on the network could reach. */
export function lanAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const out: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) out.push(i.address);
  }
  return out;
}

function hostPart(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function startupBanner(b: BannerInput, lan: readonly string[] = lanAddresses()): string {
  const scheme = b.tls ? 'https' : 'http';
  const wildcard = b.host === '0.0.0.0' || b.host === '::' || b.host === '';
  const main = `${scheme}://${wildcard ? 'localhost' : hostPart(b.host)}:${b.port}`;
  const lines = [`Session Messenger listening on ${main} (${b.transport}, ${b.store} store)`];
  if (wildcard && lan.length > 0) {
    lines.push(`  on your network: ${lan.map((a) => `${scheme}://${a}:${b.port}`).join('  ')}`);
    // Service worker, install, clipboard and notifications need a secure context (README).
    if (!b.tls)
      lines.push('  (a phone on plain http gets no offline mode, install, copy or notifications: see README "Try it on your phone")');
  }
  return lines.join('\n') + '\n';
}
