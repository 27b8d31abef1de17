// account_get / account_put: one opaque, encrypted account document per Session ID (docs/protocol.md
// "Account document"). The server checks only its size and the compare-and-swap version; it cannot
// read it. An upload larger than a frame comes in parts, assembled per socket and committed by the
// last one, so a half-sent document is never stored. Every other socket of the identity is told.
import { ProtocolError, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn } from '../transport/connection.ts';
import { limitText, takeLimit } from '../limits/limits.ts';

interface Upload {
  readonly id: string;
  readonly version: number;
  readonly parts: number;
  next: number;
  bytes: number;
  readonly chunks: Buffer[];
}

/** The upload in progress on each socket; gone with the socket. */
const uploads = new WeakMap<Conn, Upload>();

async function limit(conn: Conn): Promise<void> {
  const waitMs = await takeLimit(conn.ctx, 'account', conn.sid, conn.address);
  if (waitMs > 0) throw new ProtocolError('RATE_LIMITED', limitText(conn.ctx.config, 'account'), waitMs);
}

function accountText(ref: string, version: number, blob?: string, conflict = false): string {
  return `{"type":"account","ref":"${ref}","version":${version}${blob === undefined ? '' : `,"blob":"${blob}"`}${conflict ? ',"conflict":true' : ''}}`;
}

export async function handleAccountGet(conn: Conn, f: ClientFrames['account_get']): Promise<void> {
  await limit(conn);
  const cur = await conn.ctx.store.getAccount(conn.sid, conn.ctx.clock());
  if (!conn.open) return;
  conn.send('account', accountText(f.id, cur?.version ?? 0, cur?.blob));
}

export async function handleAccountPut(conn: Conn, f: ClientFrames['account_put']): Promise<void> {
  const { ctx } = conn;
  const part = f.part ?? 0;
  const parts = f.parts ?? 1;
  let up = uploads.get(conn);
  if (part === 0) {
    // One token per upload, whatever its number of parts.
    await limit(conn);
    up = { id: f.id, version: f.version, parts, next: 0, bytes: 0, chunks: [] };
    uploads.set(conn, up);
  }
  if (!up || up.id !== f.id || up.version !== f.version || up.parts !== parts || up.next !== part || part >= parts) {
    uploads.delete(conn);
    throw new ProtocolError('ACCOUNT_UPLOAD_BROKEN', `expected part ${up?.next ?? 0} of upload ${up?.id ?? f.id}`);
  }
  const chunk = Buffer.from(f.blob, 'base64');
  up.bytes += chunk.length;
  if (up.bytes > ctx.config.accountMaxBytes) {
    uploads.delete(conn);
    throw new ProtocolError('ACCOUNT_TOO_LARGE', `at most ${ctx.config.accountMaxBytes} bytes`);
  }
  up.chunks.push(chunk);
  up.next++;
  if (up.next < up.parts) return;
  uploads.delete(conn);

  const blob = Buffer.concat(up.chunks).toString('base64');
  const res = await ctx.store.putAccount(conn.sid, up.version, blob, ctx.clock(), ctx.config.accountTtlMs);
  if (!conn.open) return;
  if (!res.ok) {
    // The device merges what it is sent and tries again with that version.
    conn.send('account', accountText(f.id, res.current?.version ?? 0, res.current?.blob, true));
    return;
  }
  conn.send('account', accountText(f.id, res.version));
  ctx.bus.toIdentity(
    conn.sid,
    { kind: 'frame', type: 'account_changed', text: `{"type":"account_changed","version":${res.version}}` },
    conn.id,
  );
}
