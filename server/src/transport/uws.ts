// Which transport the relay runs on. uWebSockets.js ships native builds for some Node ABIs only
// (Node 20 here); elsewhere (Node 22, 24), or with UWS_USE_FALLBACK=1, the package hands out its
// JavaScript fallback, which cannot run this relay (see nodeApp.ts): then the relay uses its own
// Node implementation of the same API. Everything above this module sees one uWS-shaped API.
import { createRequire } from 'node:module';
import type uWS from 'uWebSockets.js';
import { NodeApp, type NodeListenSocket } from './nodeApp.ts';

export type TransportKind = 'native' | 'fallback';

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

export interface Transport {
  readonly kind: TransportKind;
  /** For people: "uWebSockets.js native" or "Node.js fallback (node:http + ws)". */
  readonly label: string;
  /** An http app, or https when `tls` is given. */
  app(tls?: TlsFiles): uWS.TemplatedApp;
  localPort(listenSocket: uWS.us_listen_socket): number;
  closeListenSocket(listenSocket: uWS.us_listen_socket): void;
}

/**
 * The package says which build it picked with console.log/console.warn on load: on stdout, which
 * carries the JSON log lines. Kept quiet here; the relay's own start-up log says it instead.
 */
function loadQuietly(): typeof uWS {
  const { log, warn } = console;
  console.log = console.warn = () => {};
  try {
    return createRequire(import.meta.url)('uWebSockets.js') as typeof uWS;
  } finally {
    console.log = log;
    console.warn = warn;
  }
}

const uws = loadQuietly();

/** uWS.DISABLED, for modules that must not load the package themselves (see loadQuietly). */
export const COMPRESSION_DISABLED = 0 as uWS.CompressOptions;

/** The package's fallback exports App alone; the native module has SSLApp and the socket helpers. */
export function isNativeUws(mod: unknown): boolean {
  return typeof (mod as { SSLApp?: unknown }).SSLApp === 'function';
}

/** undefined where the package has no native build for this Node. */
export const nativeTransport: Transport | undefined = isNativeUws(uws)
  ? {
      kind: 'native',
      label: 'uWebSockets.js native',
      app: (tls) => (tls ? uws.SSLApp({ cert_file_name: tls.cert, key_file_name: tls.key }) : uws.App()),
      localPort: (s) => uws.us_socket_local_port(s as unknown as uWS.us_socket),
      closeListenSocket: (s) => uws.us_listen_socket_close(s),
    }
  : undefined;

export const fallbackTransport: Transport = {
  kind: 'fallback',
  label: 'Node.js fallback (node:http + ws)',
  app: (tls) => new NodeApp(tls) as unknown as uWS.TemplatedApp,
  localPort: (s) => (s as unknown as NodeListenSocket).port,
  closeListenSocket: (s) => (s as unknown as NodeListenSocket).close(),
};

export const transport: Transport = nativeTransport ?? fallbackTransport;
