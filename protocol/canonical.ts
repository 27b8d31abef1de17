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
  // Loops and one string, not map/filter/join: the server encodes every auth frame (50 grants are
  // 300 values), and the intermediate arrays were a visible share of a storm's GC (issue 14).
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj).sort();
    let out = '{';
    for (const k of keys) {
      const v = obj[k];
      if (v === undefined) continue;
      out += (out.length === 1 ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
    }
    return out + '}';
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}
