// HTTP on the WebSocket's port: /health (503 "degraded" while Redis is away), /stats (aggregate counts only: never an ID),
// and the PWA. /metrics (Prometheus) is not public: it is served on METRICS_PORT (127.0.0.1), or on
// the public port only to a request bearing METRICS_TOKEN; anyone else gets 404. Its counters move
// with single actions (an invitation to someone online is answered by frames and acks a stranger
// could watch), so a public /metrics was an online oracle. Every response carries the security headers.
import type uWS from 'uWebSockets.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Config } from '../config.ts';
import type { ServerContext } from '../context.ts';
import type { GaugeSample } from './metrics.ts';
import { StaticFiles } from './static.ts';

export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Referrer-Policy', 'no-referrer'],
  ['X-Frame-Options', 'DENY'],
  // A window this app opens, or that opens it, gets no handle on it (no cross-window scripting).
  ['Cross-Origin-Opener-Policy', 'same-origin'],
  // Nothing here (the app, /metrics, /stats) may be embedded by another site.
  ['Cross-Origin-Resource-Policy', 'same-origin'],
  // The camera scans a Session ID's QR code and takes photos, the microphone records voice notes,
  // both on this origin only; nothing else is needed.
  ['Permissions-Policy', 'camera=(self), microphone=(self), geolocation=(), payment=(), usb=(), interest-cohort=()'],
];

/**
 * The Strict-Transport-Security value for a request, or undefined. Only a request a trusted proxy
 * says arrived over https gets one (browsers ignore it over plain http anyway, RFC 6797 §8.1).
 */
export function hstsFor(config: Pick<Config, 'trustProxy' | 'hstsMaxAgeMs'>, forwardedProto: string): string | undefined {
  if (config.trustProxy === 0 || config.hstsMaxAgeMs === 0) return undefined;
  const proto = forwardedProto.split(',')[0]!.trim().toLowerCase();
  return proto === 'https' ? `max-age=${Math.floor(config.hstsMaxAgeMs / 1000)}` : undefined;
}

/**
 * The CSP, with connect-src limited to this server's public WebSocket origins (PUBLIC_ORIGINS, or
 * the defaults of publicOrigins.ts) and 'self': a script injected despite everything else could not
 * send what it reads to a host of its choosing over a WebSocket.
 */
export function contentSecurityPolicy(origins: Iterable<string>): string {
  // CSP host sources cannot spell an IPv6 literal; a page served from one reaches it as 'self'.
  const connect = ["'self'", ...[...origins].filter((o) => !o.includes('[')).sort()].join(' ');
  return `default-src 'self'; connect-src ${connect}; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'`;
}

const cspCache = new WeakMap<ServerContext, string>();

/** This server's CSP (its public origins are fixed once it listens, before any request). */
export function cspOf(ctx: ServerContext): string {
  let csp = cspCache.get(ctx);
  if (csp === undefined) {
    csp = contentSecurityPolicy(ctx.publicOrigins);
    if (ctx.publicOrigins.size > 0) cspCache.set(ctx, csp);
  }
  return csp;
}

export function writeSecurityHeaders(res: uWS.HttpResponse, csp: string, hsts?: string): void {
  res.writeHeader('Content-Security-Policy', csp);
  for (const [k, v] of SECURITY_HEADERS) res.writeHeader(k, v);
  if (hsts !== undefined) res.writeHeader('Strict-Transport-Security', hsts);
}

interface Reply {
  readonly status: string;
  readonly type: string;
  readonly body: string | Buffer;
  readonly cache?: string;
  readonly encoding?: string | undefined;
  readonly vary?: boolean;
  readonly headOnly?: boolean;
  /** Strict-Transport-Security value, when the request came over TLS. */
  readonly hsts?: string | undefined;
}

function write(res: uWS.HttpResponse, r: Reply, csp: string): void {
  res.cork(() => {
    res.writeStatus(r.status);
    writeSecurityHeaders(res, csp, r.hsts);
    res.writeHeader('Content-Type', r.type);
    res.writeHeader('Cache-Control', r.cache ?? 'no-store');
    if (r.encoding !== undefined) res.writeHeader('Content-Encoding', r.encoding);
    if (r.vary) res.writeHeader('Vary', 'Accept-Encoding');
    // endWithoutBody(length) leaves a kept-alive connection unusable in this uWS
    // (uNetworking/uWebSockets.js#739): announce the length ourselves, end with no arguments.
    if (r.headOnly) res.writeHeader('Content-Length', String(r.body.length)).endWithoutBody();
    else res.end(r.body);
  });
}

/** Runs async work for a request; honours onAborted (the response must not be touched after it). */
function later(res: uWS.HttpResponse, ctx: ServerContext, hsts: string | undefined, work: () => Promise<Reply>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  work().then(
    (r) => {
      if (!aborted) write(res, { ...r, hsts }, cspOf(ctx));
    },
    (err: unknown) => {
      ctx.log.error('http_error', { error: err instanceof Error ? err.message : String(err) });
      if (!aborted) write(res, { ...json('503 Service Unavailable', { status: 'unavailable' }), hsts }, cspOf(ctx));
    },
  );
}

function json(status: string, value: unknown): Reply {
  return { status, type: 'application/json; charset=utf-8', body: JSON.stringify(value) };
}

function uptimeSeconds(ctx: ServerContext): number {
  return Math.floor((Date.now() - ctx.startedAt) / 1000);
}

/**
 * "degraded" (with HTTP 503) while an instance cannot reach Redis: its open sockets stay up, but
 * it cannot take new ones, so a balancer's health check should send new clients elsewhere.
 */
export function health(ctx: ServerContext) {
  const { cluster } = ctx;
  return {
    status: cluster && !cluster.healthy ? ('degraded' as const) : ('ok' as const),
    uptime: uptimeSeconds(ctx),
    connections: ctx.sockets.size,
    store: ctx.store.kind,
    epoch: ctx.store.epoch,
    ...cluster?.health(),
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
    // Mailbox sizes are not here: an invitation to someone is removed when one of their devices
    // acknowledges it, so the entry count after a stranger's invitation said whether they were
    // online. They are in /metrics, which is private.
    pendingInvitations: c.invitationsPending,
    messagesRouted: m.total('envelopes_routed_total'),
    ephemeralRouted: m.get('envelopes_routed_total', 'ephemeral'),
    deliveredNotices: m.get('delivered_notices_total'),
    invitationsSent: m.get('invitations_total', 'pending'),
    authFailures: m.total('auth_failures_total'),
    errors: m.total('errors_total'),
  };
}

/** Sampling interval of the event-loop delay probe. */
const LOOP_RESOLUTION_MS = 10;

/** Event-loop delay since the previous scrape (perf_hooks), and the sockets' unsent bytes. */
interface Probes {
  readonly loop: ReturnType<typeof monitorEventLoopDelay>;
}

function bufferedBytes(ctx: ServerContext): { max: number; total: number } {
  let max = 0;
  let total = 0;
  for (const s of ctx.sockets) {
    const n = s.bufferedAmount();
    total += n;
    if (n > max) max = n;
  }
  return { max, total };
}

async function metricsText(ctx: ServerContext, probes: Probes): Promise<string> {
  const c = await ctx.store.counts();
  const mem = process.memoryUsage();
  const buffered = bufferedBytes(ctx);
  const { loop } = probes;
  // The histogram is in nanoseconds and holds whole timer intervals: the delay is what exceeds
  // the sampling interval. Empty (no sample yet) reads as NaN, shown as 0.
  const loopS = (v: number): number => (loop.count > 0 && Number.isFinite(v) ? Math.max(0, v / 1e6 - LOOP_RESOLUTION_MS) / 1000 : 0);
  const p50 = loopS(loop.percentile(50));
  const p99 = loopS(loop.percentile(99));
  const max = loopS(loop.max);
  loop.reset();
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
    g('process_heap_total_bytes', 'V8 heap reserved', mem.heapTotal),
    g('process_external_bytes', 'memory held outside the V8 heap (buffers)', mem.external + mem.arrayBuffers),
    g('event_loop_delay_p50_seconds', 'event-loop delay, median since the previous scrape', p50),
    g('event_loop_delay_p99_seconds', 'event-loop delay, 99th percentile since the previous scrape', p99),
    g('event_loop_delay_max_seconds', 'event-loop delay, maximum since the previous scrape', max),
    g('socket_buffered_bytes_max', 'largest number of bytes waiting in one socket (bounded by maxBackpressure)', buffered.max),
    g('socket_buffered_bytes_total', 'bytes waiting in all sockets', buffered.total),
    ...(ctx.push
      ? [
          g(
            'push_queue_devices',
            'devices holding a slot in the Web Push queue (waiting, sending, or kept for coalescing)',
            ctx.push.queue.size,
          ),
        ]
      : []),
  ]);
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Whether an Authorization header opens /metrics on the public port (constant time in the token). */
export function metricsAuthorized(config: Pick<Config, 'metricsToken'>, authorization: string): boolean {
  if (config.metricsToken === undefined) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return m !== null && timingSafeEqual(digest(m[1]!), digest(config.metricsToken));
}

/**
 * Registers the HTTP routes; returns a function that stops the event-loop probe. `metricsApp`: the
 * private listener (METRICS_PORT), where /metrics needs no token.
 */
export function registerHttp(app: uWS.TemplatedApp, ctx: ServerContext, metricsApp?: uWS.TemplatedApp): () => void {
  const files = new StaticFiles(ctx.config.staticDir);
  const { metrics, config } = ctx;
  const loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
  loop.enable();
  const probes: Probes = { loop };
  // req lives on the stack of the handler: the header is read before anything else.
  const tls = (req: uWS.HttpRequest): string | undefined => hstsFor(config, req.getHeader('x-forwarded-proto'));

  app.get('/health', (res, req) => {
    metrics.inc('http_requests_total', 'health');
    const h = health(ctx);
    write(res, { ...json(h.status === 'ok' ? '200 OK' : '503 Service Unavailable', h), hsts: tls(req) }, cspOf(ctx));
  });

  app.get('/stats', (res, req) => {
    metrics.inc('http_requests_total', 'stats');
    later(res, ctx, tls(req), async () => json('200 OK', await stats(ctx)));
  });

  const serveMetrics = (res: uWS.HttpResponse, hsts: string | undefined): void => {
    metrics.inc('http_requests_total', 'metrics');
    later(res, ctx, hsts, async () => ({
      status: '200 OK',
      type: 'text/plain; version=0.0.4; charset=utf-8',
      body: await metricsText(ctx, probes),
    }));
  };
  app.get('/metrics', (res, req) => {
    const hsts = tls(req);
    if (metricsAuthorized(config, req.getHeader('authorization'))) return serveMetrics(res, hsts);
    // As if there were no such path: nothing tells a stranger that a token would open it.
    metrics.inc('http_requests_total', 'static');
    write(res, { status: '404 Not Found', type: 'text/plain; charset=utf-8', body: 'Not Found\n', hsts }, cspOf(ctx));
  });
  metricsApp?.get('/metrics', (res) => serveMetrics(res, undefined));
  metricsApp?.any('/*', (res) =>
    write(res, { status: '404 Not Found', type: 'text/plain; charset=utf-8', body: 'Not Found\n' }, cspOf(ctx)),
  );

  app.any('/*', (res, req) => {
    // Lower case in native uWS, as sent (upper case) in other implementations: compare one way.
    const method = req.getMethod().toLowerCase();
    const url = req.getUrl();
    const hsts = tls(req);
    const acceptEncoding = req.getHeader('accept-encoding');
    if (method !== 'get' && method !== 'head') {
      metrics.inc('http_requests_total', 'other');
      res.cork(() => {
        res.writeStatus('405 Method Not Allowed');
        writeSecurityHeaders(res, cspOf(ctx), hsts);
        res.writeHeader('Allow', 'GET, HEAD').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('Method Not Allowed\n');
      });
      return;
    }
    metrics.inc('http_requests_total', 'static');
    const headOnly = method === 'head';
    later(res, ctx, hsts, async () => {
      const r = await files.lookup(url, acceptEncoding);
      if (r.status === 200) {
        const { file } = r;
        return {
          status: '200 OK',
          type: file.contentType,
          body: file.body,
          cache: file.cacheControl,
          encoding: file.encoding,
          vary: file.vary,
          headOnly,
        };
      }
      const status = r.status === 400 ? '400 Bad Request' : '404 Not Found';
      return { status, type: 'text/plain; charset=utf-8', body: r.status === 400 ? 'Bad Request\n' : 'Not Found\n', headOnly };
    });
  });

  return () => loop.disable();
}
