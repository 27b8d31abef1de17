// Parses each inbound frame strictly and hands it to its handler. Before authentication only auth
// is accepted; afterwards every error is answered with the frame's id as ref and the socket stays.
import { parseClientFrame, ProtocolError, type ClientFrame, type ClientFrames } from '../../../protocol/index.ts';
import type { Conn, Inbound } from './connection.ts';
import { handleBlobDownload, handleBlobUpload } from '../blobs/handlers.ts';
import { handleAuth } from '../handlers/auth.ts';
import { handleAccountGet, handleAccountPut } from '../handlers/account.ts';
import { handleGrants, handlePresenceSub, handlePresenceUnsub, handlePrivacy, handleRevoke, handleUnblock } from '../handlers/contacts.ts';
import { handleAccept, handleCancel, handleDecline, handleInvite, handleRegrant } from '../handlers/invitations.ts';
import { handleAck, handleSend } from '../handlers/messaging.ts';
import { handlePushSubscribe, handlePushUnsubscribe } from '../push/handlers.ts';
import { pongText } from './wire.ts';

/** Frames without an id are answered (ok or error) with their type as ref. */
const REF_BY_TYPE = new Set(['grants', 'revoke', 'presence_unsub', 'privacy', 'push_subscribe', 'push_unsubscribe', 'unblock']);

function refOf(frame: ClientFrame): string | undefined {
  if ('id' in frame) return frame.id;
  return REF_BY_TYPE.has(frame.type) ? frame.type : undefined;
}

/** type and id of a frame that failed to parse, if it is a JSON object at all. */
function peek(text: string): { type?: unknown; ref?: string } {
  try {
    const raw: unknown = JSON.parse(text);
    if (typeof raw !== 'object' || raw === null) return {};
    const { type, id } = raw as { type?: unknown; id?: unknown };
    // Echo an id only if it has the shape of one: the ref must not become a reflection channel.
    return typeof id === 'string' && /^[0-9a-f]{32}$/.test(id) ? { type, ref: id } : { type };
  } catch {
    return {};
  }
}

/**
 * Handles one frame. Returns nothing when it was handled at once (the memory store answers the
 * message path synchronously), or a promise for the rest; either way it never throws a
 * ProtocolError, which is answered on the socket.
 */
export function routeFrame(conn: Conn, item: Inbound): Promise<void> | void {
  const { metrics } = conn.ctx;
  if (item === null) {
    metrics.inc('frames_in_total', 'binary');
    return conn.reject(new ProtocolError('BINARY_UNSUPPORTED'));
  }
  let frame: ClientFrame;
  try {
    frame = parseClientFrame(item);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    metrics.inc('frames_in_total', 'invalid');
    const { type, ref } = peek(item);
    // Before auth, a frame that is not (a malformed) auth is "anything else first".
    if (conn.state !== 'ready' && err.code !== 'BAD_JSON' && type !== 'auth') return conn.reject(new ProtocolError('AUTH_REQUIRED'), ref);
    return conn.reject(err, ref);
  }
  metrics.inc('frames_in_total', frame.type);

  if (conn.state !== 'ready') {
    if (frame.type !== 'auth') return conn.reject(new ProtocolError('AUTH_REQUIRED'), refOf(frame));
    return authenticate(conn, frame);
  }

  let done: Promise<void> | void;
  try {
    done = dispatch(conn, frame);
  } catch (err) {
    return answer(conn, frame, err);
  }
  if (done instanceof Promise) return done.catch((err: unknown) => answer(conn, frame, err));
}

/**
 * Apart from routeFrame so its promise holds the socket, not the frame: a closure made in routeFrame
 * would keep its context, and with it the parsed frame, alive until authentication ends (~2 s in a
 * storm; handlers/auth.ts lets the frame go in its first turn).
 */
function authenticate(conn: Conn, frame: ClientFrames['auth']): Promise<void> {
  // Store trouble during auth ends the attempt; the client retries with a new socket.
  return handleAuth(conn, frame).catch((err: unknown) => {
    if (err instanceof ProtocolError) return conn.reject(err);
    throw err;
  });
}

/** A handler's ProtocolError is the frame's answer; anything else is the connection's failure. */
function answer(conn: Conn, frame: ClientFrame, err: unknown): void {
  if (!(err instanceof ProtocolError)) throw err;
  conn.reject(err, refOf(frame));
}

/** One handler per client frame type: a frame type added to protocol/ without one fails to compile. */
export type Handlers = { [K in ClientFrame['type']]: (conn: Conn, frame: ClientFrames[K]) => Promise<void> | void };

const HANDLERS: Handlers = {
  auth: () => {
    throw new ProtocolError('ALREADY_AUTHENTICATED');
  },
  send: handleSend,
  ack: handleAck,
  invite: handleInvite,
  regrant: handleRegrant,
  invite_accept: handleAccept,
  invite_decline: handleDecline,
  invite_cancel: handleCancel,
  grants: handleGrants,
  revoke: handleRevoke,
  presence_sub: handlePresenceSub,
  presence_unsub: handlePresenceUnsub,
  privacy: handlePrivacy,
  push_subscribe: handlePushSubscribe,
  push_unsubscribe: handlePushUnsubscribe,
  ping: (conn, frame) => {
    conn.send('pong', pongText(frame.t, conn.ctx.clock()));
  },
  blob_upload: handleBlobUpload,
  blob_download: handleBlobDownload,
  // Account document and unblocks (docs/protocol.md "Account document")
  account_get: handleAccountGet,
  account_put: handleAccountPut,
  unblock: handleUnblock,
};

function dispatch(conn: Conn, frame: ClientFrame): Promise<void> | void {
  return (HANDLERS[frame.type] as (conn: Conn, frame: ClientFrame) => Promise<void> | void)(conn, frame);
}
