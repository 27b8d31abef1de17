// Downloading an attachment: from the cache, else over HTTP with a token asked for on the socket,
// resuming with Range after a broken connection; the digest, every chunk and the file's own length
// are checked before anything is returned or cached. docs/client.md "Attachments".
import { attachmentCiphertextSize, attachmentSealedSize, fromBase64, openAttachment, type ServerFrames } from '../protocol/index.ts';
import { AttachmentError } from './attachmentError.ts';
import type { AttachmentsDeps } from './attachments.ts';
import { report, type ClientContext } from './context.ts';
import type { StoredAttachment } from './storage.ts';

export interface DownloadOptions {
  readonly onProgress?: (got: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** The file's own length (sealed inside it) must be the one its reference claims. */
function sizeChecked(plain: Uint8Array, ref: StoredAttachment): Uint8Array {
  if (plain.length !== ref.size)
    throw new AttachmentError('BLOB_WRONG_LENGTH', `the file has ${plain.length} bytes, the reference says ${ref.size}`);
  return plain;
}

/**
 * The plaintext of an attachment: from the cache, else downloaded (resuming with Range after a
 * broken connection), its digest and every chunk checked. Throws AttachmentError.
 */
export async function downloadAttachment(
  ctx: ClientContext,
  d: Pick<AttachmentsDeps, 'cache' | 'httpBase' | 'fetch'>,
  ask: (frame: { type: 'blob_download'; blob: string }) => Promise<ServerFrames['blob_token']>,
  ref: StoredAttachment,
  opts: DownloadOptions = {},
): Promise<Uint8Array> {
  const key = fromBase64(ref.key);
  const digest = fromBase64(ref.digest);
  const cached = await d.cache.get(ref.digest);
  if (cached) {
    let plain: Uint8Array | undefined;
    try {
      plain = openAttachment(cached, key, digest);
    } catch {
      await d.cache.delete(ref.digest);
    }
    if (plain) return sizeChecked(plain, ref);
  }
  if (ref.id === '') throw new AttachmentError('BLOB_NOT_FOUND', 'this attachment was never uploaded and is not on this device');
  // Unpadded (version 1) at least, its whole bucket at most (cut to a limit it may be less): the
  // server cannot make this device take more than the reference allows.
  const least = attachmentCiphertextSize(ref.size);
  const most = attachmentSealedSize(ref.size);
  let total = -1;
  let out = new Uint8Array(0);
  let got = 0;
  for (let attempt = 0; got < total || total < 0; attempt++) {
    const t = await ask({ type: 'blob_download', blob: ref.id });
    if (t.size < least || t.size > most || (total >= 0 && t.size !== total))
      throw new AttachmentError('BLOB_WRONG_LENGTH', `the server holds ${t.size} bytes, the reference allows ${least}..${most}`);
    if (total < 0) {
      total = t.size;
      out = new Uint8Array(total);
    }
    try {
      const headers: Record<string, string> = { 'x-blob-token': t.token };
      if (got > 0) headers.range = `bytes=${got}-`;
      const res = await d.fetch(`${d.httpBase()}/blob/${ref.id}`, {
        headers,
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (!res.ok) {
        const answer = (await res.json().catch(() => ({}))) as { code?: string; message?: string };
        throw new AttachmentError(answer.code ?? 'NETWORK', answer.message ?? `GET ${res.status}`);
      }
      const reader = res.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (got + value.length > total) throw new AttachmentError('BLOB_WRONG_LENGTH', 'the server sent more than the file');
        out.set(value, got);
        got += value.length;
        opts.onProgress?.(got, total);
      }
    } catch (err) {
      if (opts.signal?.aborted || (err instanceof AttachmentError && err.code !== 'NETWORK') || attempt >= 4) throw err;
      report(ctx, err);
    }
  }
  let plain: Uint8Array;
  try {
    plain = openAttachment(out, key, digest);
  } catch (err) {
    throw new AttachmentError('DIGEST_MISMATCH', (err as Error).message);
  }
  sizeChecked(plain, ref);
  await d.cache.put(ref.digest, out);
  return plain;
}
