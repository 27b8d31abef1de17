// Parses each inbound frame strictly and hands it to its handler. Before authentication only auth
// is accepted; afterwards every error is answered with the frame's id as ref and the socket stays.
import { parseClientFrame, ProtocolError, type ClientFrame } from '../../protocol/index.ts';
import type { Conn, Inbound } from './connection.ts';
import { handleAuth } from './handlers/auth.ts';
import { handleGrants, handlePresenceSub, handlePresenceUnsub, handlePrivacy, handleRevoke } from './handlers/contacts.ts';
import { handleAccept, handleCancel, handleDecline, handleInvite } from './handlers/invitations.ts';
import { handleAck, handleSend } from './handlers/messaging.ts';
import { pongText } from './wire.ts';

/** Frames without an id are answered (ok or error) with their type as ref. */
const REF_BY_TYPE = new Set(['grants', 'revoke', 'presence_unsub', 'privacy']);

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

export async function routeFrame(conn: Conn, item: Inbound): Promise<void> {
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
    try {
      return await handleAuth(conn, frame);
    } catch (err) {
      // Store trouble during auth ends the attempt; the client retries with a new socket.
      if (err instanceof ProtocolError) return conn.reject(err);
      throw err;
    }
  }

  try {
    await dispatch(conn, frame);
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    conn.reject(err, refOf(frame));
  }
}

async function dispatch(conn: Conn, frame: ClientFrame): Promise<void> {
  switch (frame.type) {
    case 'auth':
      throw new ProtocolError('ALREADY_AUTHENTICATED');
    case 'send':
      return handleSend(conn, frame);
    case 'ack':
      return handleAck(conn, frame);
    case 'invite':
      return handleInvite(conn, frame);
    case 'invite_accept':
      return handleAccept(conn, frame);
    case 'invite_decline':
      return handleDecline(conn, frame);
    case 'invite_cancel':
      return handleCancel(conn, frame);
    case 'grants':
      return handleGrants(conn, frame);
    case 'revoke':
      return handleRevoke(conn, frame);
    case 'presence_sub':
      return handlePresenceSub(conn, frame);
    case 'presence_unsub':
      return handlePresenceUnsub(conn, frame);
    case 'privacy':
      return handlePrivacy(conn, frame);
    case 'ping':
      conn.send('pong', pongText(frame.t, conn.ctx.clock()));
      return;
  }
}
