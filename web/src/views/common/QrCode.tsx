// A QR code as SVG elements (uqr encodes; we draw): no innerHTML and no style attribute, so it
// renders under style-src 'self'. The encoder is its own chunk, fetched the first time a code is
// shown: the start-up chunk (the chat list) never needs it.
import { useEffect, useMemo, useState } from 'preact/hooks';

type Encode = typeof import('uqr')['encode'];

let encoder: Encode | undefined;
let loading: Promise<Encode> | undefined;

function loadEncoder(): Promise<Encode> {
  return (loading ??= import('uqr').then((m) => (encoder = m.encode)));
}

export function QrCode({ value, label, size = 200 }: { value: string; label: string; size?: number }) {
  const [encode, setEncode] = useState<Encode | undefined>(() => encoder);
  useEffect(() => {
    if (!encode) void loadEncoder().then((e) => setEncode(() => e));
  }, [encode]);
  const path = useMemo(() => {
    if (!encode) return null;
    const { data } = encode(value, { ecc: 'M', border: 2 });
    let d = '';
    for (const [y, row] of data.entries()) {
      for (const [x, on] of row.entries()) if (on) d += `M${x} ${y}h1v1h-1z`;
    }
    return { d, n: data.length };
  }, [value, encode]);
  // Until the encoder is here: the same box, blank, so nothing moves when the code is drawn.
  const n = path?.n ?? 1;
  return (
    <svg
      class="qr"
      role="img"
      aria-label={label}
      aria-busy={path ? undefined : 'true'}
      width={size}
      height={size}
      viewBox={`0 0 ${n} ${n}`}
      shape-rendering="crispEdges"
      data-testid="qr-code"
    >
      <rect width={n} height={n} class="qr-bg" />
      {path && <path d={path.d} class="qr-fg" />}
    </svg>
  );
}
