// Loaded on demand. A file becomes what sendAttachment takes. Photos are decoded and drawn again on
// a canvas (at most 1600 px on the long side) and re-encoded as JPEG: the result carries no EXIF,
// so no location, camera serial or original timestamps leave the device; a 96 px JPEG of at most
// 12 KB rides inside the message as its thumbnail. Other files go byte for byte.
import type { SendAttachmentInput } from '../../../api.ts';

export const MAX_PHOTO_EDGE = 1600;
const THUMB_EDGE = 96;
const THUMB_MAX_BYTES = 12 * 1024;
/** Raster types every browser here decodes; SVG and the like go as files (never rendered inline). */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/bmp', 'image/avif']);

type Prepared = Omit<SendAttachmentInput, 'recipientId'>;

function fit(w: number, h: number, edge: number): [number, number] {
  const scale = Math.min(1, edge / Math.max(w, h));
  return [Math.max(1, Math.round(w * scale)), Math.max(1, Math.round(h * scale))];
}

function draw(img: ImageBitmap, w: number, h: number): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = w;
  c.height = h;
  const g = c.getContext('2d')!;
  // JPEG has no alpha: transparent pixels become white, not black.
  g.fillStyle = '#fff';
  g.fillRect(0, 0, w, h);
  g.drawImage(img, 0, 0, w, h);
  return c;
}

function jpeg(c: HTMLCanvasElement, quality: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    c.toBlob(
      (b) => (b ? b.arrayBuffer().then((a) => resolve(new Uint8Array(a)), reject) : reject(new Error('the image could not be encoded'))),
      'image/jpeg',
      quality,
    );
  });
}

async function thumbnail(img: ImageBitmap): Promise<Uint8Array | undefined> {
  const [w, h] = fit(img.width, img.height, THUMB_EDGE);
  const c = draw(img, w, h);
  for (const q of [0.7, 0.5, 0.3]) {
    const t = await jpeg(c, q);
    if (t.length <= THUMB_MAX_BYTES) return t;
  }
  return undefined;
}

function photoName(name: string): string {
  const base = name.replace(/\.[^.]*$/, '') || 'photo';
  return `${base}.jpg`;
}

export async function prepareFile(file: File): Promise<Prepared> {
  if (PHOTO_TYPES.has(file.type)) {
    let img: ImageBitmap | undefined;
    try {
      // imageOrientation: the photo is drawn upright, as the EXIF it loses said to show it.
      img = await createImageBitmap(file, { imageOrientation: 'from-image' });
    } catch {
      img = undefined; // not decodable after all: sent as a plain file below
    }
    if (img) {
      try {
        const [w, h] = fit(img.width, img.height, MAX_PHOTO_EDGE);
        const bytes = await jpeg(draw(img, w, h), 0.85);
        const thumb = await thumbnail(img);
        return { bytes, mime: 'image/jpeg', name: photoName(file.name), width: w, height: h, ...(thumb ? { thumbnail: thumb } : {}) };
      } finally {
        img.close();
      }
    }
  }
  return { bytes: new Uint8Array(await file.arrayBuffer()), mime: file.type || 'application/octet-stream', name: file.name || 'file' };
}
