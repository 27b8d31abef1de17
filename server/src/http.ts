// HTTP on the WebSocket's port: /health (liveness), /stats (aggregate counts only: never an ID),
// /metrics (Prometheus) and the PWA. Every response carries the security headers.
import type uWS from 'uWebSockets.js';
import type { ServerContext } from './context.ts';
import type { GaugeSample } from './metrics.ts';
import { StaticFiles } from './static.ts';

export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  [
    'Content-Security-Policy',
    "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  ],
];

export function writeSecurityHeaders(res: uWS.HttpResponse): void {
  for (const [k, v] of SECURITY_HEADERS) res.writeHeader(k, v);
}

interface Reply {
  readonly status: string;
  readonly type: string;
  readonly body: string | Buffer;
  readonly cache?: string;
  readonly headOnly?: boolean;
}

function write(res: uWS.HttpResponse, r: Reply): void {
  res.cork(() => {
    res.writeStatus(r.status);
    writeSecurityHeaders(res);
    res.writeHeader('Content-Type', r.type);
    res.writeHeader('Cache-Control', r.cache ?? 'no-store');
    if (r.headOnly) res.endWithoutBody(r.body.length);
    else res.end(r.body);
  });
}

/** Runs async work for a request; honours onAborted (the response must not be touched after it). */
function later(res: uWS.HttpResponse, ctx: ServerContext, work: () => Promise<Reply>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    (r) => {
      if (!aborted) write(res, r);
    },
    (err: unknown) => {
      ctx.log.error('http_error', { error: err instanceof Error ? err.message : String(err) });
      if (!aborted) write(res, json('503 Service Unavailable', { status: 'unavailable' }));
    },
  );
}

function json(status: string, value: unknown): Reply {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

function uptimeSeconds(ctx: ServerContext): number {
  return Math.floor((Date.now() - ctx.startedAt) / 1000);
}

export function health(ctx: ServerContext) {
  return {
    status: 'ok',
    uptime: uptimeSeconds(ctx),
    connections: ctx.sockets.size,
    store: ctx.store.kind,
    epoch: ctx.store.epoch,
    timestamp: new Date().toISOString(),
  };
}

/** Aggregates only. A list of who is online is exactly what a relay must not publish. */
export async function stats(ctx: ServerContext) {
  const c = await ctx.store.counts();
  const m = ctx.metrics;
  return {
    uptime: uptimeSeconds(ctx),
    store: ctx.store.kind,
    activeConnections: ctx.sockets.size,
    authenticatedConnections: ctx.hub.authenticatedCount,
    onlineIdentities: ctx.hub.identityCount,
    visibleIdentities: ctx.presence.onlineCount,
    presenceSubscriptions: ctx.hub.subscriptionCount,
    pendingInvitations: c.invitationsPending,
    mailboxStreams: c.streams,
    mailboxEntries: c.entries,
    mailboxBytes: c.bytes,
    messagesRouted: m.total('envelopes_routed_total'),
    ephemeralRouted: m.get('envelopes_routed_total', 'ephemeral'),
    deliveredNotices: m.get('delivered_notices_total'),
    invitationsSent: m.get('invitations_total', 'pending'),
    authFailures: m.total('auth_failures_total'),
    errors: m.total('errors_total'),
  };
}

async function metricsText(ctx: ServerContext): Promise<string> {
  const c = await ctx.store.counts();
  const mem = process.memoryUsage();
  const g = (name: string, help: string, value: number): GaugeSample => ({ name, help, value });
  return ctx.metrics.render([
    g('connections_active', 'open WebSockets', ctx.sockets.size),
    g('connections_authenticated', 'authenticated WebSockets', ctx.hub.authenticatedCount),
    g('identities_online', 'Session IDs with at least one socket here', ctx.hub.identityCount),
    g('identities_visible', 'Session IDs shown online to subscribers', ctx.presence.onlineCount),
    g('presence_subscriptions', 'presence subscriptions held by sockets', ctx.hub.subscriptionCount),
    g('mailbox_streams', 'streams holding entries', c.streams),
    g('mailbox_entries', 'entries held in all streams', c.entries),
    g('mailbox_bytes', 'bytes held in all streams', c.bytes),
    g('invitations_pending', 'pending invitations', c.invitationsPending),
    g('uptime_seconds', 'seconds since start', uptimeSeconds(ctx)),
    g('process_resident_memory_bytes', 'resident set size', mem.rss),
    g('process_heap_used_bytes', 'V8 heap in use', mem.heapUsed),
  ]);
}

export function registerHttp(app: uWS.TemplatedApp, ctx: ServerContext): void {
  const files = new StaticFiles(ctx.config.staticDir);
  const { metrics } = ctx;

  app.get('/health', (res) => {
    metrics.inc('http_requests_total', 'health');
    write(res, json('200 OK', health(ctx)));
  });

  app.get('/stats', (res) => {
    metrics.inc('http_requests_total', 'stats');
    later(res, ctx, async () => json('200 OK', await stats(ctx)));
  });

  app.get('/metrics', (res) => {
    metrics.inc('http_requests_total', 'metrics');
    later(res, ctx, async () => ({ status: '200 OK', type: 'text/plain; version=0.0.4; charset=utf-8', body: await metricsText(ctx) }));
  });

  app.any('/*', (res, req) => {
    const method = req.getMethod();
    const url = req.getUrl();
    if (method !== 'get' && method !== 'head') {
      metrics.inc('http_requests_total', 'other');
      res.cork(() => {
        res.writeStatus('405 Method Not Allowed');
        writeSecurityHeaders(res);
        res.writeHeader('Allow', 'GET, HEAD').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('Method Not Allowed\n');
      });
      return;
    }
    metrics.inc('http_requests_total', 'static');
    const headOnly = method === 'head';
    later(res, ctx, async () => {
      const r = await files.lookup(url);
      if (r.status === 200) return { status: '200 OK', type: r.file.contentType, body: r.file.body, cache: r.file.cacheControl, headOnly };
      const status = r.status === 400 ? '400 Bad Request' : '404 Not Found';
      return { status, type: 'text/plain; charset=utf-8', body: r.status === 400 ? 'Bad Request\n' : 'Not Found\n', headOnly };
    });
  });
}
