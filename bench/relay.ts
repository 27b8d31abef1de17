// The baseline: the least a 1:1 WebSocket relay can do with uWebSockets.js. Parse JSON, look the
// recipient up in a Map, forward. No crypto, no schema, no grants, no limits, no mailbox stream.
// It speaks just enough of the real protocol (hello, ready, sent, envelope, pong) that the bench's
// client runs the same code path against it and against the server; figures are ratios to this.
// Offline recipients get a plain array queue, flushed on auth, so "offline drain" has a baseline.
//
//   PORT=0 HOST=127.0.0.1 node --import tsx bench/relay.ts     → prints "listening <port>"
import uWS from 'uWebSockets.js';

interface Peer {
  sid: string;
  /** Frames queued in this event-loop turn, written by flushAll (as the server's Conn.out). */
  out: string[] | undefined;
  closed: boolean;
}

const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 0);

// The nonce is never checked, so one constant hello serves everybody.
const HELLO = JSON.stringify({
  type: 'hello',
  v: 1,
  nonce: Buffer.alloc(32, 7).toString('base64'),
  epoch: 'relay',
  serverTime: Date.now(),
  heartbeatMs: 30_000,
  limits: {
    maxFrameBytes: 1 << 20,
    maxCtBytes: 1 << 20,
    maxGrants: 1000,
    mailboxMaxEntries: 1 << 30,
    mailboxMaxBytes: 2 ** 40,
    mailboxTtlMs: 86_400_000,
    invitationTtlMs: 86_400_000,
    maxPresenceSubs: 1000,
  },
});

const decoder = new TextDecoder();
/** Every device of an identity (the realistic-chat scenario connects two per identity). */
const sockets = new Map<string, uWS.WebSocket<Peer>[]>();
/** Last offset per recipient, so the client's cumulative acks look like they do against the server. */
const heads = new Map<string, number>();
const offline = new Map<string, string[]>();

/**
 * Writes batched per socket per event-loop turn in one cork, exactly as the server does
 * (server/src/connection.ts `flushAll`): one setImmediate flushes every socket that was sent
 * something in this turn. Without it the baseline makes one syscall per frame while the server
 * makes one per socket per turn, and ratios to it flatter the server (issue 14).
 */
const flushList: uWS.WebSocket<Peer>[] = [];
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  for (let i = 0; i < flushList.length; i++) {
    const ws = flushList[i]!;
    const d = ws.getUserData();
    const out = d.out;
    d.out = undefined;
    if (out === undefined || d.closed) continue;
    ws.cork(() => {
      for (const text of out) ws.send(text, false, false);
    });
  }
  flushList.length = 0;
}

function send(ws: uWS.WebSocket<Peer>, text: string): void {
  const d = ws.getUserData();
  if (d.closed) return;
  if (d.out === undefined) {
    d.out = [text];
    flushList.push(ws);
    if (!flushScheduled) {
      flushScheduled = true;
      setImmediate(flushAll);
    }
  } else d.out.push(text);
}

interface Frame {
  type: string;
  sessionId?: string;
  deviceId?: string;
  id?: string;
  to?: string;
  ct?: string;
  ephemeral?: boolean;
  t?: number;
}

function onAuth(ws: uWS.WebSocket<Peer>, f: Frame): void {
  const sid = String(f.sessionId);
  ws.getUserData().sid = sid;
  const devices = sockets.get(sid);
  if (devices) devices.push(ws);
  else sockets.set(sid, [ws]);
  const head = heads.get(sid) ?? 0;
  send(
    ws,
    JSON.stringify({ type: 'ready', sessionId: sid, deviceId: f.deviceId, epoch: 'relay', head, resumed: false, grantsRejected: [] }),
  );
  const queued = offline.get(sid);
  if (queued) {
    offline.delete(sid);
    for (const text of queued) send(ws, text);
  }
}

function onSend(ws: uWS.WebSocket<Peer>, f: Frame): void {
  const from = ws.getUserData().sid;
  const to = String(f.to);
  const targets = sockets.get(to);
  if (f.ephemeral) {
    if (targets) {
      const text = JSON.stringify({ type: 'envelope', id: f.id, from, ct: f.ct, ts: Date.now(), ephemeral: true });
      for (const t of targets) send(t, text);
    }
    return;
  }
  const offset = (heads.get(to) ?? 0) + 1;
  heads.set(to, offset);
  const text = JSON.stringify({ type: 'envelope', offset, id: f.id, from, ct: f.ct, ts: Date.now() });
  if (targets) for (const t of targets) send(t, text);
  else {
    let q = offline.get(to);
    if (!q) offline.set(to, (q = []));
    q.push(text);
  }
  send(ws, JSON.stringify({ type: 'sent', id: f.id, to, offset }));
}

const app = uWS.App().ws<Peer>('/*', {
  compression: uWS.DISABLED,
  maxPayloadLength: 1 << 20,
  idleTimeout: 0,
  maxBackpressure: 64 << 20,
  open: (ws) => {
    const d = ws.getUserData();
    d.out = undefined;
    d.closed = false;
    send(ws, HELLO);
  },
  message: (ws, message) => {
    const f = JSON.parse(decoder.decode(message)) as Frame;
    switch (f.type) {
      case 'auth':
        onAuth(ws, f);
        break;
      case 'send':
        onSend(ws, f);
        break;
      case 'ping':
        send(ws, JSON.stringify({ type: 'pong', t: f.t, serverTime: Date.now() }));
        break;
      default:
        // ack and the rest: a bare relay has nothing to do.
        break;
    }
  },
  close: (ws) => {
    ws.getUserData().closed = true;
    const sid = ws.getUserData().sid;
    const devices = sid === undefined ? undefined : sockets.get(sid);
    if (devices) {
      const i = devices.indexOf(ws);
      if (i >= 0) devices.splice(i, 1);
      if (devices.length === 0) sockets.delete(sid!);
    }
  },
});

app.listen(host, port, (listenSocket) => {
  if (!listenSocket) {
    console.error(`relay: cannot listen on ${host}:${port}`);
    process.exit(1);
  }
  console.log(`listening ${uWS.us_socket_local_port(listenSocket)}`);
  // exit() rather than a default signal death, so --cpu-prof can write its profile.
  process.on('SIGTERM', () => {
    uWS.us_listen_socket_close(listenSocket);
    process.exit(0);
  });
});
