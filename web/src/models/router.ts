// Hash routes (#/chat/05…): they work on any static host and offline, with no server rewrite.
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';

export type Route =
  | { readonly name: 'chats' }
  | { readonly name: 'chat'; readonly peer: string }
  | { readonly name: 'contacts' }
  | { readonly name: 'add'; readonly id?: string }
  | { readonly name: 'settings' }
  /** A link that names nothing this app has: shown as such, never as an empty chat or a crash. */
  | { readonly name: 'notFound' };

/**
 * The Session ID format (protocol/sessionId.ts), checked here by pattern: importing protocol/ would
 * pull the crypto chunk into the first paint, and only the form matters for a route.
 */
const SESSION_ID = /^05[0-9a-f]{64}$/;

/** decodeURIComponent without the URIError a malformed escape (#/chat/%E0) throws. */
function decode(arg: string): string | undefined {
  try {
    return decodeURIComponent(arg);
  } catch {
    return undefined;
  }
}

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [, head = '', arg, ...rest] = path.split('/');
  if (rest.length > 0) return { name: 'notFound' };
  switch (head) {
    case '':
    case 'chats':
      return arg ? { name: 'notFound' } : { name: 'chats' };
    case 'chat': {
      if (!arg) return { name: 'chats' };
      const peer = decode(arg);
      return peer !== undefined && SESSION_ID.test(peer) ? { name: 'chat', peer } : { name: 'notFound' };
    }
    case 'contacts':
      return arg ? { name: 'notFound' } : { name: 'contacts' };
    case 'add': {
      if (!arg) return { name: 'add' };
      // Any text may be prefilled (the form says what is wrong with it); an undecodable one may not.
      const id = decode(arg);
      return id !== undefined ? { name: 'add', id } : { name: 'notFound' };
    }
    case 'settings':
      return arg ? { name: 'notFound' } : { name: 'settings' };
    default:
      return { name: 'notFound' };
  }
}

export function routePath(r: Route): string {
  switch (r.name) {
    case 'chats':
      return '#/';
    case 'chat':
      return `#/chat/${encodeURIComponent(r.peer)}`;
    case 'add':
      return r.id ? `#/add/${encodeURIComponent(r.id)}` : '#/add';
    case 'notFound':
      return '#/not-found';
    default:
      return `#/${r.name}`;
  }
}

export class Router extends Disposable {
  readonly route = signal<Route>(parseRoute(globalThis.location?.hash ?? ''));

  constructor(private readonly _win: (EventTarget & { location: Location }) | undefined = globalThis.window) {
    super();
    this.listen(_win, 'hashchange', () => {
      this.route.value = parseRoute(this._win!.location.hash);
    });
  }

  go(r: Route): void {
    const path = routePath(r);
    if (this._win && this._win.location.hash !== path) this._win.location.hash = path;
    this.route.value = r;
  }
}
