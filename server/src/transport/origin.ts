// Which browser pages may open /ws. A WebSocket is not covered by the same-origin policy, so without
// this check any site a user visits could connect in the background (cross-site WebSocket hijacking).
// Requests without Origin come from non-browser clients (SDK in Node, bots), which hold their own keys.

const DEFAULT_PORT: Record<string, string> = { 'http:': '80', 'https:': '443' };

/**
 * allowed: normalised origins from ALLOWED_ORIGINS; ['*'] allows any; [] means same origin only,
 * i.e. the Origin's host[:port] equals the Host header.
 */
export function originAllowed(origin: string, host: string, allowed: readonly string[]): boolean {
  if (origin === '') return true;
  if (allowed.includes('*')) return true;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the opaque "null" origin of sandboxed frames and file: pages
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (allowed.length > 0) return allowed.includes(url.origin);
  return host !== '' && url.host === normaliseHost(host, url.protocol);
}

function normaliseHost(host: string, protocol: string): string {
  const h = host.trim().toLowerCase();
  const port = DEFAULT_PORT[protocol];
  return port !== undefined && h.endsWith(':' + port) && !h.endsWith(']') ? h.slice(0, -(port.length + 1)) : h;
}
