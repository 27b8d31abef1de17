// What the connection needs of its surroundings: a WebSocket (the browser's, or ws in Node) and,
// in browsers, the online/offline events. Both are injected; nothing here touches the DOM unguarded.

/**
 * What the SDK needs of a WebSocket: the browser's, or `ws` in Node. Handler parameters are `never`
 * so that both the DOM's and ws's differently typed handler properties are assignable.
 */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: never) => unknown) | null;
  onmessage: ((ev: never) => unknown) | null;
  onerror: ((ev: never) => unknown) | null;
  onclose: ((ev: never) => unknown) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The browser's online/offline events (window); absent in Node. */
export interface NetworkEvents {
  addEventListener(type: 'online' | 'offline', fn: () => void): void;
  removeEventListener(type: 'online' | 'offline', fn: () => void): void;
}

export function defaultNetworkEvents(): NetworkEvents | null {
  const g = globalThis as { addEventListener?: unknown; removeEventListener?: unknown; navigator?: unknown };
  return typeof g.addEventListener === 'function' && typeof g.removeEventListener === 'function' && g.navigator !== undefined
    ? (g as unknown as NetworkEvents)
    : null;
}
