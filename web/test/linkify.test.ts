import { describe, expect, it } from 'vitest';
import { linkify, safeHref } from '../src/lib/linkify.ts';

describe('linkify', () => {
  it('finds http and https links and leaves the rest as text', () => {
    expect(linkify('see https://example.com/a?b=1, then http://x.org.')).toEqual([
      { text: 'see ' },
      { text: 'https://example.com/a?b=1', href: 'https://example.com/a?b=1' },
      { text: ', then ' },
      { text: 'http://x.org', href: 'http://x.org/' },
      { text: '.' },
    ]);
  });

  it('never links other schemes', () => {
    for (const t of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'ftp://example.com']) {
      expect(linkify(t).every((p) => p.href === undefined)).toBe(true);
    }
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(linkify('<script>https://a.b/"onmouseover=x</script>').find((p) => p.href)?.href).toBe('https://a.b/');
  });

  it('keeps the text whole', () => {
    const t = 'a https://a.b/c b https://d.e f';
    expect(
      linkify(t)
        .map((p) => p.text)
        .join(''),
    ).toBe(t);
    expect(linkify('')).toEqual([]);
  });
});
