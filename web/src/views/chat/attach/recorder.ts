// Loaded on demand. A voice note: MediaRecorder on the microphone, with an AnalyserNode sampling
// loudness ten times a second for the live meter and the waveform sent with the note.
import type { SendAttachmentInput } from '../../../api.ts';

const WAVEFORM_POINTS = 64;
const SAMPLE_MS = 100;

type Note = Omit<SendAttachmentInput, 'recipientId'>;

function pickMime(): string {
  for (const m of ['audio/webm;codecs=opus', 'audio/ogg;codecs=opus', 'audio/webm', 'audio/mp4'])
    if (MediaRecorder.isTypeSupported(m)) return m;
  return '';
}

/** levels (0..1, one per sample) squeezed to n points of 0..255, each the peak of its span. */
export function waveform(levels: readonly number[], n = WAVEFORM_POINTS): number[] {
  if (levels.length === 0) return [];
  const out: number[] = [];
  const points = Math.min(n, levels.length);
  for (let i = 0; i < points; i++) {
    const from = Math.floor((i * levels.length) / points);
    const to = Math.max(from + 1, Math.floor(((i + 1) * levels.length) / points));
    let peak = 0;
    for (let j = from; j < to; j++) peak = Math.max(peak, levels[j]!);
    out.push(Math.round(Math.min(1, peak) * 255));
  }
  return out;
}

export class VoiceRecorder {
  private readonly _chunks: Blob[] = [];
  private readonly _levels: number[] = [];
  private readonly _startedAt = performance.now();
  private _timer: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly _stream: MediaStream,
    private readonly _rec: MediaRecorder,
    private readonly _audio: AudioContext,
    analyser: AnalyserNode,
    onLevel: (level: number) => void,
  ) {
    _rec.ondataavailable = (e) => {
      if (e.data.size > 0) this._chunks.push(e.data);
    };
    const buf = new Float32Array(analyser.fftSize);
    this._timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      // RMS, stretched so speech fills the range (a raw RMS of speech sits around 0.05–0.3).
      const level = Math.min(1, Math.sqrt(sum / buf.length) * 4);
      this._levels.push(level);
      onLevel(level);
    }, SAMPLE_MS);
  }

  static async start(onLevel: (level: number) => void): Promise<VoiceRecorder> {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    const mime = pickMime();
    const rec = new MediaRecorder(stream, mime ? { mimeType: mime } : {});
    const audio = new AudioContext();
    const analyser = audio.createAnalyser();
    analyser.fftSize = 1024;
    audio.createMediaStreamSource(stream).connect(analyser);
    const r = new VoiceRecorder(stream, rec, audio, analyser, onLevel);
    rec.start(250);
    return r;
  }

  private _release(): void {
    clearInterval(this._timer);
    this._timer = undefined;
    for (const t of this._stream.getTracks()) t.stop();
    void this._audio.close().catch(() => undefined);
  }

  async stop(): Promise<Note> {
    const duration = Math.round(performance.now() - this._startedAt);
    const stopped = new Promise<void>((resolve) => (this._rec.onstop = () => resolve()));
    this._rec.stop();
    await stopped;
    this._release();
    const type = (this._rec.mimeType || 'audio/webm').split(';')[0]!;
    const blob = new Blob(this._chunks, { type });
    const ext = type.includes('ogg') ? 'ogg' : type.includes('mp4') ? 'm4a' : 'webm';
    return {
      bytes: new Uint8Array(await blob.arrayBuffer()),
      mime: type,
      name: `voice-note.${ext}`,
      duration,
      waveform: waveform(this._levels),
    };
  }

  cancel(): void {
    if (this._rec.state !== 'inactive') this._rec.stop();
    this._release();
  }
}
