// Canonical JSON for hashing: the bytes a signature covers must not depend on how a peer happened to
// order keys or space its JSON. Keys are sorted by UTF-16 code unit (as RFC 8785), absent and
// undefined members are left out, no whitespace; only integers appear in frames, so numbers need
// none of RFC 8785's float rules (anything else is refused rather than encoded ambiguously).

export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`canonicalJson: expected a safe integer, got ${value}`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}
