// SSRF: a push endpoint is a URL a client hands the server, which then POSTs to it. Only https on
// port 443 of a public address is accepted (checked when the subscription is registered), and the
// address is checked again at send time by the agent's own DNS lookup, so a name that later
// resolves to 127.0.0.1 or 169.254.169.254 (DNS rebinding) is refused there too. The test-only
// setting PUSH_ALLOW_PRIVATE lets a local test push service on http://127.0.0.1 through.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import https from 'node:https';
import net, { BlockList } from 'node:net';
import { MAX_PUSH_ENDPOINT, ProtocolError } from '../../../protocol/index.ts';

/** Everything that is not the public internet: loopback, private, CGNAT, link-local (cloud metadata), ULA, multicast, documentation, reserved. */
const BLOCKED = new BlockList();
for (const [net4, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  BLOCKED.addSubnet(net4, bits, 'ipv4');
for (const [net6, bits] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  BLOCKED.addSubnet(net6, bits, 'ipv6');

export function isPublicAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 0) return false;
  // IPv4-mapped (::ffff:a.b.c.d): no push service uses one, and BlockList would check a mapped
  // subnet against every IPv4 address, so it is refused here rather than listed.
  if (family === 6 && /^(::|(0{1,4}:){1,4}:|(0{1,4}:){5})ffff:/i.test(address)) return false;
  return !BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

function refuse(why: string): ProtocolError {
  return new ProtocolError('PUSH_ENDPOINT_REFUSED', why);
}

/**
 * The endpoint as a URL, or PUSH_ENDPOINT_REFUSED saying why. Resolves the host: every address it
 * has must be public (one private answer is enough to refuse, as the agent might pick it).
 */
export async function checkEndpoint(endpoint: string, allowPrivate: boolean, resolve = lookup): Promise<URL> {
  if (endpoint.length > MAX_PUSH_ENDPOINT) throw refuse(`longer than ${MAX_PUSH_ENDPOINT} characters`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw refuse('not a URL');
  }
  if (url.username !== '' || url.password !== '') throw refuse('credentials in the URL');
  if (url.hash !== '') throw refuse('a fragment in the URL');
  if (allowPrivate) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('not http(s)');
    return url;
  }
  if (url.protocol !== 'https:') throw refuse('not https');
  if (url.port !== '' && url.port !== '443') throw refuse('not port 443');
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (net.isIP(host) !== 0) {
    if (!isPublicAddress(host)) throw refuse('not a public address');
    return url;
  }
  if (!host.includes('.') || /\.(localhost|local|internal|home\.arpa)$/i.test(host)) throw refuse('not a public host name');
  let addrs: { address: string }[];
  try {
    addrs = await resolve(host, { all: true, verbatim: true });
  } catch {
    throw refuse('the host name does not resolve');
  }
  if (addrs.length === 0 || addrs.some((a) => !isPublicAddress(a.address))) throw refuse('the host resolves to a non-public address');
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup for the agent: the same rule at connect time, against DNS rebinding. */
export function publicOnlyLookup(hostname: string, options: { family?: number; all?: boolean }, callback: LookupCallback): void {
  dnsLookup(hostname, { family: options.family ?? 0, all: true }, (err, list) => {
    if (err) return callback(err, '');
    if (list.length === 0 || list.some((a) => !isPublicAddress(a.address))) {
      const e = new Error(`push endpoint ${hostname} resolves to a non-public address`) as NodeJS.ErrnoException;
      e.code = 'EPUSHPRIVATE';
      return callback(e, '');
    }
    if (options.all === true) return callback(null, list);
    callback(null, list[0]!.address, list[0]!.family);
  });
}

/** The production agent: keep-alive to push services, public addresses only. */
export function publicAgent(maxSockets: number): https.Agent {
  return new https.Agent({ keepAlive: true, maxSockets, lookup: publicOnlyLookup as never });
}

/**
 * Tests only (PUSH_ALLOW_PRIVATE): web-push sends with https.request, and an https.Agent that opens
 * plain TCP lets it reach a local http:// test push service (shared/DESIGN.md "Push").
 */
export class PlainTcpAgent extends https.Agent {
  override createConnection(options: net.NetConnectOpts): net.Socket {
    const o = options as net.TcpNetConnectOpts;
    return net.connect({ host: o.host ?? '127.0.0.1', port: Number(o.port) });
  }
}
