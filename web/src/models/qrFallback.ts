// QR scanning where the browser has no BarcodeDetector (Firefox, desktop Chrome on Linux/Windows):
// camera frames drawn to a canvas and decoded by jsQR. jsQR is its own chunk, fetched only when a
// scan starts, so the shell does not carry it.

export interface FrameDetector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

type Decode = typeof import('jsqr')['default'];

/** Decodes one RGBA frame; null when it holds no readable code. */
export function decodeRgba(decode: Decode, rgba: Uint8ClampedArray, width: number, height: number): string | null {
  return decode(rgba, width, height, { inversionAttempts: 'attemptBoth' })?.data ?? null;
}

/** Frames are scaled down to this width first: jsQR's time grows with the pixel count. */
const MAX_WIDTH = 640;

export async function jsqrDetector(): Promise<FrameDetector> {
  const decode = (await import('jsqr')).default;
  const canvas = document.createElement('canvas');
  const g = canvas.getContext('2d', { willReadFrequently: true });
  if (!g) throw new Error('no 2D canvas');
  return {
    async detect(video) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (w === 0 || h === 0) return [];
      const scale = Math.min(1, MAX_WIDTH / w);
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      g.drawImage(video, 0, 0, canvas.width, canvas.height);
      const img = g.getImageData(0, 0, canvas.width, canvas.height);
      const text = decodeRgba(decode, img.data, img.width, img.height);
      return text ? [{ rawValue: text }] : [];
    },
  };
}
