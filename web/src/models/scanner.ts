// Scanning a Session ID from a QR code with the camera: BarcodeDetector where the browser has it
// (Chrome on Android, Safari, desktop Chrome on macOS), else jsQR on camera frames (qrFallback.ts,
// loaded on demand). Offered wherever there is a camera API.
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';
import { jsqrDetector } from './qrFallback.ts';

interface DetectedBarcode {
  readonly rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: HTMLVideoElement): Promise<DetectedBarcode[]>;
}
type BarcodeDetectorCtor = new (opts: { formats: string[] }) => BarcodeDetectorLike;

function detectorCtor(): BarcodeDetectorCtor | undefined {
  return (globalThis as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;
}

export function canScan(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

export class ScannerModel extends Disposable {
  readonly active = signal(false);
  readonly error = signal<string | null>(null);
  private _stream: MediaStream | undefined;
  private _timer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.own(() => this.stop());
  }

  /** Shows the camera in `video` and calls onResult with the first QR code's text. */
  async start(video: HTMLVideoElement, onResult: (text: string) => void): Promise<void> {
    const Detector = detectorCtor();
    this.error.value = null;
    try {
      this._stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
    } catch {
      this.active.value = false;
      this.error.value = 'The camera is not available. Allow camera access for this site, or paste the ID instead.';
      return;
    }
    if (this.disposed) return this.stop();
    this.active.value = true;
    video.srcObject = this._stream;
    await video.play().catch(() => undefined);
    let detector: BarcodeDetectorLike;
    try {
      detector = Detector ? new Detector({ formats: ['qr_code'] }) : await jsqrDetector();
    } catch {
      this.stop();
      this.error.value = 'QR scanning is not available in this browser. Paste the ID instead.';
      return;
    }
    const loop = async (): Promise<void> => {
      if (!this.active.value) return;
      try {
        const found = await detector.detect(video);
        const text = found[0]?.rawValue;
        if (text) {
          this.stop();
          onResult(text.trim());
          return;
        }
      } catch {
        // the frame was not ready: try the next one
      }
      this._timer = setTimeout(() => void loop(), 250);
    };
    void loop();
  }

  stop(): void {
    clearTimeout(this._timer);
    for (const t of this._stream?.getTracks() ?? []) t.stop();
    this._stream = undefined;
    this.active.value = false;
  }
}
