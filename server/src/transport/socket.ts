// The uWS WebSocket behaviour for /ws: upgrade (Origin check, headers copied synchronously), open
// (connection limit, hello), and the events forwarded to the socket's Conn.
import type uWS from 'uWebSockets.js';
import { idleTimeoutSeconds } from '../config.ts';
import { Conn, type Router, type SocketData } from './connection.ts';
import type { ServerContext } from '../context.ts';
import { cspOf, hstsFor, writeSecurityHeaders } from '../http/http.ts';
import { clientAddress, forwardedForOf } from './ip.ts';
import { originAllowed } from './origin.ts';
import { ERRORS } from '../../../protocol/index.ts';
import { COMPRESSION_DISABLED } from './uws.ts';
import { errorText } from './wire.ts';

export function wsBehavior(ctx: ServerContext, route: Router): uWS.WebSocketBehavior<SocketData> {
  const { config, metrics } = ctx;
  return {
    // uWS cuts frames beyond twice the limit itself (close 1009); between the two we answer
    // FRAME_TOO_LARGE with our own close code, so clients see why.
    maxPayloadLength: 2 * config.maxFrameBytes,
    maxBackpressure: ctx.maxBackpressure,
    // Typed as number in the shipped d.ts; uWS reads it as a boolean.
    closeOnBackpressureLimit: 1,
    idleTimeout: idleTimeoutSeconds(config.heartbeatMs),
    sendPingsAutomatically: true,
    compression: COMPRESSION_DISABLED,

    upgrade: (res, req, context) => {
      // req is stack-allocated: everything needed later is copied before returning.
      const origin = req.getHeader('origin');
      const host = req.getHeader('host');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const forwardedFor = forwardedForOf(req);
      const hsts = hstsFor(config, req.getHeader('x-forwarded-proto'));
      const ip = Buffer.from(res.getRemoteAddressAsText()).toString();
      if (!originAllowed(origin, host, config.allowedOrigins)) {
        metrics.inc('connections_rejected_total', 'origin');
        ctx.log.info('origin_forbidden', { origin: origin.slice(0, 100) });
        res.cork(() => {
          res.writeStatus('403 Forbidden');
          writeSecurityHeaders(res, cspOf(ctx), hsts);
          res.writeHeader('Content-Type', 'text/plain; charset=utf-8').end('ORIGIN_FORBIDDEN: origin is not allowed\n');
        });
        return;
      }
      // The 101 carries the security headers too: every HTTP response this server writes does.
      res.cork(() => {
        res.writeStatus('101 Switching Protocols');
        writeSecurityHeaders(res, cspOf(ctx), hsts);
        // `conn` declared now: added later it would give every socket's data an extra property array.
        res.upgrade<SocketData>(
          { origin, address: clientAddress(ip, forwardedFor, config.trustProxy), conn: undefined },
          key,
          protocol,
          extensions,
          context,
        );
      });
    },

    open: (ws) => {
      if (ctx.sockets.size >= config.maxConnections) {
        // Told by close code rather than HTTP 503: a browser cannot read an upgrade's status.
        metrics.inc('connections_rejected_total', 'server_full');
        metrics.inc('errors_total', 'SERVER_FULL');
        ws.cork(() => {
          ws.send(errorText('SERVER_FULL'), false);
          ws.end(4503, 'SERVER_FULL');
        });
        return;
      }
      const data = ws.getUserData();
      const refused = ctx.addresses.admit(data.address);
      if (refused !== null) {
        metrics.inc('connections_rejected_total', refused === 'total' ? 'address' : 'address_unauthenticated');
        metrics.inc('errors_total', 'TOO_MANY_CONNECTIONS');
        ws.cork(() => {
          ws.send(errorText('TOO_MANY_CONNECTIONS'), false);
          ws.end(ERRORS.TOO_MANY_CONNECTIONS.close, 'TOO_MANY_CONNECTIONS');
        });
        return;
      }
      const conn = new Conn(ws, ctx, route);
      data.conn = conn;
      ctx.sockets.add(conn);
      metrics.inc('connections_opened_total');
      // No connection id here: an address must not be joinable to what the socket does later.
      ctx.log.debug('conn_open', { ip: conn.address });
      conn.start();
    },

    message: (ws, message, isBinary) => {
      ws.getUserData().conn?.onMessage(message, isBinary);
    },

    drain: (ws) => {
      ws.getUserData().conn?.onDrain();
    },

    close: (ws, code) => {
      ws.getUserData().conn?.onClosed(code);
    },
  };
}
