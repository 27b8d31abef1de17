// A QR code as SVG elements (uqr encodes; we draw): no innerHTML and no style attribute, so it
// renders under style-src 'self'.
import { encode } from 'uqr';
import { useMemo } from 'preact/hooks';

export function QrCode({ value, label, size = 200 }: { value: string; label: string; size?: number }) {
  const path = useMemo(() => {
    const { data } = encode(value, { ecc: 'M', border: 2 });
    let d = '';
    data.forEach((row, y) =>
      row.forEach((on, x) => {
        if (on) d += `M${x} ${y}h1v1h-1z`;
      }),
    );
    return { d, n: data.length };
  }, [value]);
  return (
    <svg class="qr" role="img" aria-label={label} width={size} height={size} viewBox={`0 0 ${path.n} ${path.n}`} shape-rendering="crispEdges" data-testid="qr-code">
      <rect width={path.n} height={path.n} class="qr-bg" />
      <path d={path.d} class="qr-fg" />
    </svg>
  );
}
