// Attachments in one open chat: sending files, photos and voice notes (prepared by code loaded on
// demand: the shell carries none of the image or audio work), upload progress and cancel, and the
// voice recorder's state. Progress lives in one signal shared by every view of a message.
import { signal } from '@preact/signals';
import type { AttachmentProgressEvent, Client } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { attempt } from './_attempt.ts';
import { Disposable } from './_disposable.ts';

/** Upload progress by message id, for the bubbles (the SDK's attachmentProgress events). */
export const uploads = signal<ReadonlyMap<string, AttachmentProgressEvent>>(new Map());

export interface Recording {
  readonly startedAt: number;
  /** Loudness 0..1 now, for the live meter. */
  readonly level: number;
}

type Recorder = import('../views/chat/attach/recorder.ts').VoiceRecorder;

export class AttachmentsModel extends Disposable {
  readonly error = signal<string | null>(null);
  readonly recording = signal<Recording | null>(null);
  readonly busy = signal(false);
  private _recorder: Recorder | undefined;

  constructor(
    readonly peer: string,
    private readonly _client: Client,
  ) {
    super();
    this.own(
      _client.on('attachmentProgress', (p) => {
        const next = new Map(uploads.value);
        if (p.state === 'done' || p.state === 'failed' || p.state === 'cancelled') next.delete(p.id);
        else next.set(p.id, p);
        uploads.value = next;
      }),
    );
  }

  /** Files from the picker, the camera, a paste or a drop: photos are resized, the rest sent as is. */
  async sendFiles(files: readonly File[]): Promise<void> {
    if (files.length === 0) return;
    this.error.value = null;
    await attempt(this.busy, this.error, async () => {
      const { prepareFile } = await import('../views/chat/attach/prepare.ts');
      for (const f of files) {
        const prepared = await prepareFile(f);
        await this._client.sendAttachment({ recipientId: this.peer, ...prepared });
      }
    });
  }

  async startVoice(): Promise<void> {
    if (this._recorder) return;
    this.error.value = null;
    try {
      const { VoiceRecorder } = await import('../views/chat/attach/recorder.ts');
      const r = await VoiceRecorder.start((level) => {
        if (this.recording.value) this.recording.value = { ...this.recording.value, level };
      });
      if (this.disposed) return r.cancel();
      this._recorder = r;
      this.recording.value = { startedAt: Date.now(), level: 0 };
    } catch (err) {
      this.error.value =
        err instanceof DOMException && err.name === 'NotAllowedError' ? 'Microphone access was refused.' : describeError(err);
    }
  }

  /** Stops recording; send = false throws the note away. */
  async stopVoice(send: boolean): Promise<void> {
    const r = this._recorder;
    this._recorder = undefined;
    this.recording.value = null;
    if (!r) return;
    if (!send) return r.cancel();
    try {
      const note = await r.stop();
      await this._client.sendAttachment({ recipientId: this.peer, ...note });
    } catch (err) {
      this.error.value = describeError(err);
    }
  }

  cancelUpload(id: string): void {
    this._client.cancelAttachment(id);
  }

  override dispose(): void {
    this._recorder?.cancel();
    this._recorder = undefined;
    super.dispose();
  }
}
