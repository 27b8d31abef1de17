// Hash routes (#/chat/05…): they work on any static host and offline, with no server rewrite.
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';

export type Route =
  | { readonly name: 'chats' }
  | { readonly name: 'chat'; readonly peer: string }
  | { readonly name: 'contacts' }
  | { readonly name: 'add'; readonly id?: string }
  | { readonly name: 'settings' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const [, head = '', arg] = path.split('/');
  switch (head) {
    case 'chat':
      return arg ? { name: 'chat', peer: decodeURIComponent(arg) } : { name: 'chats' };
    case 'contacts':
      return { name: 'contacts' };
    case 'add':
      return arg ? { name: 'add', id: decodeURIComponent(arg) } : { name: 'add' };
    case 'settings':
      return { name: 'settings' };
    default:
      return { name: 'chats' };
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
