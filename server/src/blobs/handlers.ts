// blob_upload and blob_download: capability tokens for the blob HTTP API, given only on an
// authenticated socket. A download token needs only the blob id, which travels end-to-end
// encrypted inside a message: knowing the id is the capability, the token keeps it short-lived.
import { encodeFrame, ProtocolError, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { limitText, takeLimit } from '../limits/limits.ts';
import type { TokenAnswer } from './service.ts';

function blobsOf(conn: Conn) {
  const blobs = conn.ctx.blobs;
  if (!blobs) throw new ProtocolError('STORE_UNAVAILABLE', 'this server keeps no attachments');
  return blobs;
}

function answer(conn: Conn, ref: string, a: TokenAnswer): void {
  conn.send('blob_token', encodeFrame({ type: 'blob_token', ref, ...a }));
}

export async function handleBlobUpload(conn: Conn, f: ClientFrames['blob_upload']): Promise<void> {
  const blobs = blobsOf(conn);
  // Each new blob costs a send token: uploads are bounded like messages.
  const waitMs = await takeLimit(conn.ctx, 'send', conn.sid, conn.address);
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(conn.ctx.config, 'send'), waitMs);
  const a = f.blob === undefined ? await blobs.createUpload(conn.sid, f.size) : await blobs.renewUpload(conn.sid, f.blob);
  if (f.blob === undefined) conn.ctx.metrics.inc('blobs_created_total');
  answer(conn, f.id, a);
}

export async function handleBlobDownload(conn: Conn, f: ClientFrames['blob_download']): Promise<void> {
  answer(conn, f.id, await blobsOf(conn).downloadToken(f.blob));
}
