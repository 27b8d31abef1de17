// The address a client is limited by. X-Forwarded-For is believed only as far as TRUST_PROXY says:
// each trusted proxy appends the address it saw, so the client is `hops` entries from the right;
// anything further left was written by the client and is ignored. IPv6 clients are grouped by
// their /64, which one subscriber typically holds whole, so rotating addresses inside it gains
// nothing; IPv4-mapped IPv6 addresses are written as IPv4.
import { isIP } from 'node:net';
import type uWS from 'uWebSockets.js';

/**
 * Every X-Forwarded-For line of a request, in order, joined with ",". getHeader returns only the
 * first line: behind a proxy that adds a line of its own (HAProxy's `option forwardfor`) the first
 * one is the client's, so the client would pick its own address. Call inside the request handler.
 */
export function forwardedForOf(req: uWS.HttpRequest): string {
  const lines: string[] = [];
  req.forEach((key, value) => {
    if (key === 'x-forwarded-for') lines.push(value);
  });
  return lines.join(',');
}

/** `remote` is uWS's getRemoteAddressAsText; `forwardedFor` the raw header ('' when absent). */
export function clientAddress(remote: string, forwardedFor: string, trustProxy: number): string {
  let addr = remote;
  if (trustProxy > 0 && forwardedFor !== '') {
    const hops = forwardedFor
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    const candidate = hops[Math.max(0, hops.length - trustProxy)] ?? '';
    if (isIP(stripPort(candidate)) !== 0) addr = stripPort(candidate);
  }
  return limitKey(addr);
}

/** "[::1]:443" → "::1", "1.2.3.4:80" → "1.2.3.4"; anything else unchanged. */
function stripPort(s: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) return bracket[1]!;
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(s);
  return v4 ? v4[1]! : s;
}

/** The bucket key for an address: IPv4 as is, IPv6 as its /64 prefix. */
export function limitKey(addr: string): string {
  const kind = isIP(addr);
  if (kind === 4) return addr;
  if (kind !== 6) return addr.slice(0, 64);
  const groups = expand6(addr);
  if (groups === undefined) return addr.slice(0, 64);
  // ::ffff:a.b.c.d (and uWS's long form of it)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6]! >> 8, groups[6]! & 255, groups[7]! >> 8, groups[7]! & 255].join('.');
  }
  return (
    groups
      .slice(0, 4)
      .map((g) => g.toString(16))
      .join(':') + '::/64'
  );
}

function expand6(addr: string): number[] | undefined {
  let s = addr.toLowerCase();
  const pct = s.indexOf('%');
  if (pct >= 0) s = s.slice(0, pct);
  // A trailing dotted quad becomes two groups.
  const quad = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    s = s.slice(0, quad.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail].map((g) => parseInt(g, 16));
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : undefined;
}
