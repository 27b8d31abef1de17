// Attachments: a file is sealed on this device under a fresh key (protocol/attachment.ts), uploaded
// to the server's blob store in parts over HTTP with tokens asked for on the socket, and only then
// sent as an ordinary message (and its sync copy) whose body carries the key. Until then the message
// waits, queued, and reports its upload progress; offline it waits for the connection, and a part
// that failed is sent again after HEAD says which are missing. Downloads: attachmentDownload.ts.
// docs/client.md "Attachments".
import { attachmentSealedSize, ERRORS, isErrorCode, randomId, sealAttachment, toBase64, type ServerFrames } from '../protocol/index.ts';
import type { AttachmentCache } from './attachmentCache.ts';
import { downloadAttachment, type DownloadOptions } from './attachmentDownload.ts';
import { AttachmentError } from './attachmentError.ts';
import { backoffDelay } from './backoff.ts';
import { atomically } from './batch.ts';
import { MAX_THUMBNAIL_BYTES, MAX_WAVEFORM_POINTS } from './body.ts';
import { report, type ClientContext } from './context.ts';
import type { Messages } from './messages.ts';
import type { Outbox } from './outbox.ts';
import { applyStatus } from './status.ts';
import type { StoredAttachment, StoredMessage } from './storage.ts';

export interface SendAttachmentInput {
  readonly recipientId: string;
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly name: string;
  /** Text shown with the file. */
  readonly caption?: string;
  /** A small JPEG (≤ 12 KB). */
  readonly thumbnail?: Uint8Array;
  readonly width?: number;
  readonly height?: number;
  readonly duration?: number;
  readonly waveform?: readonly number[];
}

export { AttachmentError };

export interface AttachmentProgressEvent {
  /** Message id. */
  readonly id: string;
  readonly peer: string;
  readonly state: 'waiting' | 'uploading' | 'done' | 'failed' | 'cancelled';
  /** Encrypted bytes on the server so far, of total. */
  readonly sent: number;
  readonly total: number;
  readonly reason?: string;
}

type Token = ServerFrames['blob_token'];

interface Upload {
  readonly message: StoredMessage;
  readonly ciphertext: Uint8Array;
  readonly abort: AbortController;
  token?: Token;
  attempts: number;
  /** Started over with a new blob after a refusal (see _run). */
  restarted?: boolean;
}

export interface AttachmentsDeps {
  readonly messages: Messages;
  readonly outbox: Outbox;
  readonly cache: AttachmentCache;
  /** http(s)://host of the server the socket is connected to. */
  readonly httpBase: () => string;
  readonly fetch: typeof fetch;
}

/** ws://host/ws → http://host */
export function httpBaseOf(wsUrl: string): string {
  const u = new URL(wsUrl);
  return `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${u.host}`;
}

export class Attachments {
  private readonly _tokens = new Map<string, { resolve: (t: Token) => void; reject: (e: Error) => void }>();
  private readonly _uploads = new Map<string, Upload>();

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _d: AttachmentsDeps,
  ) {}

  // ---- tokens over the socket -------------------------------------------------------------

  private _ask(frame: { type: 'blob_upload'; size: number; blob?: string } | { type: 'blob_download'; blob: string }): Promise<Token> {
    const id = randomId();
    return new Promise((resolve, reject) => {
      this._tokens.set(id, { resolve, reject });
      if (!this._ctx.send({ ...frame, id })) {
        this._tokens.delete(id);
        reject(new AttachmentError('OFFLINE', 'not connected'));
      }
    });
  }

  onToken(frame: Token): void {
    const w = this._tokens.get(frame.ref);
    this._tokens.delete(frame.ref);
    w?.resolve(frame);
  }

  /** An error frame answering a token request. True when it was one. */
  onError(frame: ServerFrames['error']): boolean {
    const w = frame.ref === undefined ? undefined : this._tokens.get(frame.ref);
    if (!w) return false;
    this._tokens.delete(frame.ref!);
    w.reject(new AttachmentError(frame.code, frame.message));
    return true;
  }

  /** The socket went away: answers to its requests will not come. */
  stop(): void {
    for (const w of this._tokens.values()) w.reject(new AttachmentError('OFFLINE', 'disconnected'));
    this._tokens.clear();
  }

  // ---- sending ----------------------------------------------------------------------------

  /** Seals, caches and stores the message (queued); the upload goes on in the background. */
  async send(peer: string, input: SendAttachmentInput): Promise<StoredMessage> {
    if (!(input.bytes instanceof Uint8Array)) throw new TypeError('bytes: expected a Uint8Array');
    if (input.thumbnail && input.thumbnail.length > MAX_THUMBNAIL_BYTES)
      throw new RangeError(`thumbnail: expected at most ${MAX_THUMBNAIL_BYTES} bytes`);
    // Padded (protocol/attachment.ts), but never past the server's limit when the file itself fits.
    const max = this._ctx.limits()?.maxAttachmentBytes;
    const limit = max === undefined ? {} : { maxSealed: max };
    if (max !== undefined && attachmentSealedSize(input.bytes.length, limit) > max)
      throw new AttachmentError('BLOB_TOO_LARGE', `the file is larger than this server's ${max} bytes`);
    const sealed = sealAttachment(input.bytes, limit);
    const att: StoredAttachment = {
      id: '',
      key: toBase64(sealed.key),
      digest: toBase64(sealed.digest),
      size: input.bytes.length,
      mime: input.mime.slice(0, 128) || 'application/octet-stream',
      name: input.name.slice(0, 256),
      ...(input.thumbnail ? { thumbnail: toBase64(input.thumbnail) } : {}),
      ...(input.width !== undefined ? { width: Math.round(input.width) } : {}),
      ...(input.height !== undefined ? { height: Math.round(input.height) } : {}),
      ...(input.duration !== undefined ? { duration: Math.round(input.duration) } : {}),
      ...(input.waveform
        ? { waveform: input.waveform.slice(0, MAX_WAVEFORM_POINTS).map((v) => Math.max(0, Math.min(255, Math.round(v)))) }
        : {}),
    };
    // The sender sees the file from the cache; a download of the same digest later hits it too.
    await this._d.cache.put(att.digest, sealed.ciphertext);
    const m = await this._d.messages.store(peer, input.caption ?? '', 'attachment', att);
    const u: Upload = { message: m, ciphertext: sealed.ciphertext, abort: new AbortController(), attempts: 0 };
    this._uploads.set(m.id, u);
    void this._run(u);
    return m;
  }

  /**
   * Starts the upload of a stored message again (after a cancel, a failure, or a restart of the
   * app): the encrypted file comes from the cache, under the key already in the message. False
   * when the message is not an attachment still to upload, or is uploading now.
   */
  async resume(m: StoredMessage): Promise<boolean> {
    const a = m.attachment;
    if (a?.id !== '' || m.direction !== 'out' || this._uploads.has(m.id)) return false;
    const ciphertext = await this._d.cache.get(a.digest);
    if (!ciphertext) {
      await atomically(this._ctx, (b) => applyStatus(b, m.id, 'failed', { reason: 'UPLOAD_LOST' }));
      return false;
    }
    if (m.status === 'failed') await atomically(this._ctx, (b) => applyStatus(b, m.id, 'queued'));
    const u: Upload = { message: m, ciphertext, abort: new AbortController(), attempts: 0 };
    this._uploads.set(m.id, u);
    void this._run(u);
    return true;
  }

  /** After a restart: uploads left queued in the latest messages of every conversation go on. */
  async resumePending(perConversation = 50): Promise<number> {
    let n = 0;
    for (const c of await this._ctx.storage.listConversations()) {
      for (const m of await this._ctx.storage.listMessages(c.peer, { limit: perConversation })) {
        if (m.status === 'queued' && (await this.resume(m))) n++;
      }
    }
    return n;
  }

  /** Message ids whose file is still going up (this session). */
  uploading(): string[] {
    return [...this._uploads.keys()];
  }

  /** Stops an upload; its message fails with UPLOAD_CANCELLED. False when none was running. */
  cancel(messageId: string): boolean {
    const u = this._uploads.get(messageId);
    if (!u) return false;
    u.abort.abort();
    return true;
  }

  private _progress(u: Upload, state: AttachmentProgressEvent['state'], sent: number, reason?: string): void {
    const m = u.message;
    this._ctx.events.emit('attachmentProgress', {
      id: m.id,
      peer: m.peer,
      state,
      sent,
      total: u.ciphertext.length,
      ...(reason ? { reason } : {}),
    });
  }

  private _connected(signal: AbortSignal): Promise<void> {
    if (this._ctx.connected()) return Promise.resolve();
    return new Promise((resolve) => {
      const off = this._ctx.events.on('connection', (e) => {
        if (e.newState !== 'connected') return;
        off();
        resolve();
      });
      signal.addEventListener('abort', () => {
        off();
        resolve();
      });
    });
  }

  private _sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const h = this._ctx.runtime.setTimeout(resolve, ms);
      signal.addEventListener('abort', () => {
        this._ctx.runtime.clearTimeout(h);
        resolve();
      });
    });
  }

  private async _run(u: Upload): Promise<void> {
    const signal = u.abort.signal;
    let failure: string | undefined;
    while (!signal.aborted) {
      if (!this._ctx.connected()) this._progress(u, 'waiting', 0);
      await this._connected(signal);
      if (signal.aborted) break;
      try {
        await this._uploadOnce(u);
        break;
      } catch (err) {
        if (signal.aborted) break;
        const code = err instanceof AttachmentError ? err.code : 'NETWORK';
        // A refusal that the same request would meet again (protocol/codes.ts: not retryable): a
        // token that expired or a blob the server lost (restart, TTL) is cured by starting over
        // with a new blob, once; refused again, the upload fails.
        if (isErrorCode(code) && !ERRORS[code].retryable) {
          if (u.restarted) {
            failure = code;
            break;
          }
          u.restarted = true;
          if (u.token) void this._release(u.token);
          delete u.token;
        }
        await this._sleep(backoffDelay(u.attempts++, { baseMs: 1000, maxMs: 30_000 }, this._ctx.runtime.random), signal);
      }
    }
    this._uploads.delete(u.message.id);
    const reason = signal.aborted ? 'UPLOAD_CANCELLED' : failure;
    const m = u.message;
    if (reason !== undefined) {
      if (u.token) void this._release(u.token);
      this._progress(u, reason === 'UPLOAD_CANCELLED' ? 'cancelled' : 'failed', 0, reason);
      this._ctx.enqueue(() => atomically(this._ctx, (b) => applyStatus(b, m.id, 'failed', { reason })));
      return;
    }
    this._progress(u, 'done', u.ciphertext.length);
    this._ctx.enqueue(async () => {
      const stored = (await this._ctx.storage.getMessage(m.id)) ?? m;
      stored.attachment = { ...stored.attachment!, id: u.token!.blob };
      await this._d.messages.enqueue(stored);
      await this._d.outbox.flush();
    });
  }

  /**
   * Gives up a blob this upload will not finish, so the server frees its quota now rather than at
   * the end of its upload lease (docs/protocol.md "Blob HTTP API"). Best effort: offline, or with
   * the token expired, the lease frees it anyway.
   */
  private async _release(t: Token): Promise<void> {
    if (t.expiresAt <= this._ctx.runtime.now()) return;
    try {
      const res = await this._d.fetch(`${this._d.httpBase()}/blob/${t.blob}`, { method: 'DELETE', headers: { 'x-blob-token': t.token } });
      await res.body?.cancel();
    } catch (err) {
      report(this._ctx, err);
    }
  }

  private async _uploadOnce(u: Upload): Promise<void> {
    const size = u.ciphertext.length;
    const now = this._ctx.runtime.now();
    if (!u.token) u.token = await this._ask({ type: 'blob_upload', size });
    else if (u.token.expiresAt - 60_000 < now) u.token = await this._ask({ type: 'blob_upload', size, blob: u.token.blob });
    const t = u.token;
    const base = this._d.httpBase();
    const signal = u.abort.signal;
    const head = await this._d.fetch(`${base}/blob/${t.blob}`, { method: 'HEAD', headers: { 'x-blob-token': t.token }, signal });
    if (!head.ok) throw new AttachmentError(head.headers.get('x-error-code') ?? 'NETWORK', `HEAD ${head.status}`);
    const missingText = head.headers.get('x-blob-missing') ?? '';
    const missing = missingText === '' ? [] : missingText.split(',').map(Number);
    const partOf = (i: number): Uint8Array => u.ciphertext.subarray(i * t.partBytes, Math.min(size, (i + 1) * t.partBytes));
    let sent = size - missing.reduce((n, i) => n + partOf(i).length, 0);
    this._progress(u, 'uploading', sent);
    for (const i of missing) {
      const part = partOf(i);
      const res = await this._d.fetch(`${base}/blob/${t.blob}/${i}`, {
        method: 'PUT',
        body: part as BodyInit,
        headers: { 'x-blob-token': t.token },
        signal,
      });
      const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
      if (!res.ok) throw new AttachmentError(answer.code ?? 'NETWORK', answer.message ?? `PUT ${res.status}`);
      sent += part.length;
      this._progress(u, 'uploading', sent);
    }
    u.attempts = 0;
  }

  // ---- receiving --------------------------------------------------------------------------

  /** The plaintext of an attachment (attachmentDownload.ts). Throws AttachmentError. */
  download(ref: StoredAttachment, opts: DownloadOptions = {}): Promise<Uint8Array> {
    return downloadAttachment(this._ctx, this._d, (f) => this._ask(f), ref, opts);
  }
}
