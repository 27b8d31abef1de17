// Message text split into plain runs and links, for rendering as text nodes and <a> elements (never
// innerHTML). Only http: and https: become links: javascript:, data: and the like stay text.
export type TextPart = { readonly text: string; readonly href?: undefined } | { readonly text: string; readonly href: string };

// Up to whitespace or an angle bracket; trailing punctuation is not part of a link in prose.
const URL_RE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?)\]'}]+$/;

export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let at = 0;
  for (const match of text.matchAll(URL_RE)) {
    let raw = match[0];
    const trail = TRAILING.exec(raw)?.[0] ?? '';
    // Keep a closing parenthesis that closes one opened inside the link (wikipedia links).
    if (trail !== '') raw = raw.slice(0, raw.length - trail.length);
    const href = safeHref(raw);
    if (!href) continue;
    const start = match.index;
    if (start > at) parts.push({ text: text.slice(at, start) });
    parts.push({ text: raw, href });
    at = start + raw.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** The URL as the browser will follow it, when its scheme is http(s); otherwise undefined. */
export function safeHref(raw: string): string | undefined {
  try {
    const u = new URL(raw);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}
