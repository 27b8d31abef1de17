// The server origin an auth v2 signature is bound to: scheme, host and port of the WebSocket URL the
// client dialled, in one spelling. http(s) is written as ws(s) (the same server, seen from a page),
// default ports are dropped, the host is lower-cased (IDNs as punycode, IPv6 in brackets), path,
// query and credentials are not part of it.

/** "wss://Chat.Example:443/ws?x" → "wss://chat.example". Throws TypeError for anything else. */
export function normaliseOrigin(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError(`origin: expected a ws(s):// or http(s):// URL, got ${JSON.stringify(url.slice(0, 100))}`);
  }
  const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 'wss:' : u.protocol === 'http:' || u.protocol === 'ws:' ? 'ws:' : '';
  if (scheme === '' || u.hostname === '')
    throw new TypeError(`origin: expected a ws(s):// or http(s):// URL, got ${JSON.stringify(url.slice(0, 100))}`);
  const defaultPort = scheme === 'wss:' ? '443' : '80';
  // URL drops the scheme's own default port; a ws URL written with :443 (or wss with :80) keeps it.
  const port = u.port === '' || u.port === defaultPort ? '' : `:${u.port}`;
  return `${scheme}//${u.hostname}${port}`;
}
