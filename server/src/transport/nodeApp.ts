// The relay's transport on plain Node (node:http / node:https and the ws package), for Node
// versions uWebSockets.js has no native build for (22, 24). The package ships a JavaScript
// fallback of its own, but it cannot run this relay: a custom `upgrade` handler throws (and takes
// the process down), getUserData, getRemoteAddressAsText and endWithoutBody throw, there is no
// SSLApp, no drain event, no backpressure limit and no idleTimeout. This implements exactly the
// part of the uWS API the relay uses (App, SSLApp, get, any, ws, listen, close), with uWS's
// semantics, so everything above the transport is the same code on both. Streaming (write, tryEnd,
// onWritable, pause/resume, onData) and the other methods are here for HTTP uploads and downloads.
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import type uWS from 'uWebSockets.js';
import { WebSocketServer } from 'ws';
import { NodeWebSocket, toArrayBuffer, type Behavior } from './nodeSocket.ts';

type Handler = (res: uWS.HttpResponse, req: uWS.HttpRequest) => void;
interface Route {
  readonly method: string;
  readonly pattern: string;
  readonly handler: Handler;
}

class NodeRequest {
  constructor(
    private readonly req: IncomingMessage,
    private readonly path: string,
    private readonly query: string,
  ) {}
  getHeader(lowerCaseKey: string): string {
    const v = this.req.headers[lowerCaseKey];
    return Array.isArray(v) ? v.join(', ') : (v ?? '');
  }
  /** Every header line in arrival order, keys lower case, as uWS's forEach (X-Forwarded-For reads all lines). */
  forEach(cb: (key: string, value: string) => void): void {
    const raw = this.req.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) cb(raw[i]!.toLowerCase(), raw[i + 1]!);
  }
  /** Lower case, as uWS's getMethod(). */
  getMethod(): string {
    return (this.req.method ?? '').toLowerCase();
  }
  getCaseSensitiveMethod(): string {
    return this.req.method ?? '';
  }
  /** The path without the query, as uWS's getUrl(). */
  getUrl(): string {
    return this.path;
  }
  getQuery(): string {
    return this.query;
  }
}

/** An HTTP response, or (for an upgrade request) the raw socket until upgrade() or end(). */
class NodeResponse {
  private status = 200;
  private statusText: string | undefined;
  private readonly headers: [string, string][] = [];
  private done = false;
  private aborted: (() => void) | undefined;
  /** Headers sent (a write() began a streamed body) and body bytes written since. */
  private started = false;
  private offset = 0;

  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse | undefined,
    private readonly socket: Duplex,
    private readonly onUpgrade?: (userData: unknown, headers: readonly [string, string][]) => void,
  ) {
    const gone = (): void => {
      if (!this.done) {
        this.done = true;
        this.aborted?.();
      }
    };
    if (res) res.on('close', gone);
    else socket.on('close', gone);
  }

  cork(cb: () => void): this {
    cb();
    return this;
  }
  onAborted(cb: () => void): this {
    this.aborted = cb;
    return this;
  }
  onData(cb: (chunk: ArrayBuffer, isLast: boolean) => void): this {
    this.req.on('data', (c: Buffer) => cb(toArrayBuffer(c), false));
    this.req.on('end', () => cb(new ArrayBuffer(0), true));
    return this;
  }
  getRemoteAddressAsText(): ArrayBuffer {
    return toArrayBuffer(Buffer.from(this.req.socket.remoteAddress ?? ''));
  }
  writeStatus(status: string): this {
    const m = /^(\d{3})\s*(.*)$/.exec(status);
    this.status = m ? Number(m[1]) : 500;
    this.statusText = m?.[2] || undefined;
    return this;
  }
  writeHeader(key: string, value: string): this {
    this.headers.push([key, value]);
    return this;
  }
  private begin(): ServerResponse {
    const res = this.res!;
    if (!this.started) {
      this.started = true;
      for (const [k, v] of this.headers) res.appendHeader(k, v);
      res.writeHead(this.status, this.statusText);
    }
    return res;
  }
  /** A chunk of a streamed body; false when it is buffered (wait for onWritable). */
  write(chunk: string | Buffer | ArrayBuffer): boolean {
    if (this.done || !this.res) return false;
    const data = bytes(chunk);
    this.offset += data.length;
    return this.begin().write(data);
  }
  getWriteOffset(): number {
    return this.offset;
  }
  /** uWS's tryEnd: [written without buffering, the whole totalSize body is out]. */
  tryEnd(chunk: string | Buffer | ArrayBuffer, totalSize: number): [boolean, boolean] {
    if (this.done || !this.res) return [false, true];
    const data = bytes(chunk);
    if (!this.started) this.headers.push(['Content-Length', String(totalSize)]);
    if (this.offset + data.length >= totalSize) {
      this.offset += data.length;
      this.done = true;
      this.begin().end(data);
      return [true, true];
    }
    return [this.write(data), false];
  }
  /** Called with the write offset each time the socket drains, until the handler returns true. */
  onWritable(cb: (offset: number) => boolean): this {
    const res = this.res;
    if (!res) return this;
    const onDrain = (): void => {
      if (this.done || cb(this.offset)) res.off('drain', onDrain);
    };
    res.on('drain', onDrain);
    return this;
  }
  pause(): void {
    this.req.pause();
  }
  resume(): void {
    this.req.resume();
  }
  end(body: string | Buffer | ArrayBuffer = ''): this {
    if (this.done) return this;
    this.done = true;
    const data = bytes(body);
    if (this.res && this.started) {
      this.res.end(data);
    } else if (this.res) {
      for (const [k, v] of this.headers) this.res.appendHeader(k, v);
      if (!this.res.hasHeader('content-length')) this.res.setHeader('Content-Length', data.length);
      this.res.writeHead(this.status, this.statusText);
      this.res.end(this.req.method === 'HEAD' ? undefined : data);
    } else {
      // A refused upgrade: a plain HTTP answer on the raw socket, then close it.
      const lines = [`HTTP/1.1 ${this.status} ${this.statusText ?? ''}`, ...this.headers.map(([k, v]) => `${k}: ${v}`)];
      lines.push(`Content-Length: ${data.length}`, 'Connection: close', '', '');
      this.socket.end(Buffer.concat([Buffer.from(lines.join('\r\n')), data]));
    }
    return this;
  }
  endWithoutBody(): this {
    return this.end('');
  }
  close(): this {
    this.done = true;
    this.socket.destroy();
    return this;
  }
  upgrade(userData: unknown): void {
    if (this.done || !this.onUpgrade) return;
    this.done = true;
    // The headers written before upgrade() (security headers) go on the 101, as in uWS.
    this.onUpgrade(
      userData,
      this.headers.filter(([k]) => k.toLowerCase() !== 'content-length'),
    );
  }
}

function bytes(chunk: string | Buffer | ArrayBuffer): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
}

function matches(route: Route, method: string, path: string): boolean {
  if (route.method !== 'any' && route.method !== method) return false;
  if (route.pattern.endsWith('/*')) return path.startsWith(route.pattern.slice(0, -1));
  return route.pattern === path;
}

export interface NodeListenSocket {
  readonly port: number;
  close(): void;
}

export class NodeApp {
  private readonly routes: Route[] = [];
  private readonly wsRoutes = new Map<string, Behavior<unknown>>();
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, clientTracking: false });
  private readonly live = new Set<NodeWebSocket<unknown>>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(tls?: { readonly cert: string; readonly key: string }) {
    this.server = tls ? https.createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key) }) : http.createServer();
    this.server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    // A TLS handshake gone wrong or a client that hangs up mid-request: that client's problem only.
    this.server.on('clientError', (_err, socket: Duplex) => socket.destroy());
  }

  private split(req: IncomingMessage): [string, string] {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const [path, query] = this.split(req);
    const method = (req.method ?? '').toLowerCase();
    const route = this.routes.find((r) => matches(r, method, path));
    if (!route) {
      res.writeHead(404).end();
      return;
    }
    route.handler(
      new NodeResponse(req, res, req.socket) as unknown as uWS.HttpResponse,
      new NodeRequest(req, path, query) as unknown as uWS.HttpRequest,
    );
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const [path, query] = this.split(req);
    const behavior = this.wsRoutes.get(path);
    if (!behavior || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.on('error', () => socket.destroy());
    const remote = req.socket.remoteAddress ?? '';
    const accept = (userData: unknown, headers: readonly [string, string][]): void => {
      const addHeaders = (out: string[]): void => {
        for (const [k, v] of headers) out.push(`${k}: ${v}`);
      };
      this.wss.once('headers', addHeaders);
      this.wss.handleUpgrade(req, socket, head, (ws) => {
        const sock = new NodeWebSocket(ws, behavior, userData, remote);
        this.live.add(sock);
        sock.start(() => this.live.delete(sock));
      });
      // handleUpgrade emits 'headers' synchronously, or not at all when it refuses the request.
      this.wss.off('headers', addHeaders);
    };
    const res = new NodeResponse(req, undefined, socket, accept);
    const request = new NodeRequest(req, path, query) as unknown as uWS.HttpRequest;
    if (behavior.upgrade) behavior.upgrade(res as unknown as uWS.HttpResponse, request, {} as uWS.us_socket_context_t);
    else res.upgrade({});
  }

  get(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'get', pattern, handler });
    return this;
  }

  any(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'any', pattern, handler });
    return this;
  }

  post(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'post', pattern, handler });
    return this;
  }

  put(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'put', pattern, handler });
    return this;
  }

  del(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'delete', pattern, handler });
    return this;
  }

  head(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'head', pattern, handler });
    return this;
  }

  options(pattern: string, handler: Handler): this {
    this.routes.push({ method: 'options', pattern, handler });
    return this;
  }

  ws<U>(pattern: string, behavior: Behavior<U>): this {
    this.wsRoutes.set(pattern, behavior as Behavior<unknown>);
    if (behavior.maxPayloadLength !== undefined) (this.wss.options as { maxPayload: number }).maxPayload = behavior.maxPayloadLength;
    return this;
  }

  listen(host: string, port: number, cb: (socket: NodeListenSocket | false) => void): this {
    const onError = (): void => cb(false);
    this.server.once('error', onError);
    this.server.listen({ host, port, exclusive: true }, () => {
      this.server.off('error', onError);
      this.idleTimer = setInterval(() => {
        const now = Date.now();
        for (const s of this.live) s.checkIdle(now);
      }, 1000);
      this.idleTimer.unref();
      const addr = this.server.address();
      cb({ port: typeof addr === 'object' && addr ? addr.port : 0, close: () => this.stopListening() });
    });
    return this;
  }

  private stopListening(): void {
    clearInterval(this.idleTimer);
    this.server.close();
  }

  /** Stops listening and cuts every remaining connection, HTTP keep-alive ones included. */
  close(): void {
    this.stopListening();
    for (const s of [...this.live]) s.close();
    this.server.closeAllConnections();
  }
}
