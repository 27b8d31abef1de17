// Model tests run on the real SDK: real MessengerClients (MemoryStorage) against a real relay on
// port 0 (client/test/integration.ts), in happy-dom for the DOM the models touch.
import { signal } from '@preact/signals';
import { MemoryStorage, MessengerClient, type WebSocketConstructor } from '../../client/index.ts';
import type { Engine } from '../src/api.ts';
import { Prefs, type KeyValue } from '../src/models/prefs.ts';
import type { Notifier, Permission } from '../src/models/notifications.ts';
import WebSocket from 'ws';

import { befriend, server, user } from '../../client/test/integration.ts';

export * from '../../client/test/integration.ts';

export async function engine(): Promise<Engine> {
  return import('../src/engine.ts');
}

export function memoryKeyValue(): KeyValue & { readonly map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

export function prefs(): Prefs {
  return new Prefs(memoryKeyValue());
}

/** A client that never connects (its URL has nothing behind it): everything it sends stays queued. */
export async function offlineClient(storage = new MemoryStorage()): Promise<MessengerClient> {
  return MessengerClient.create({
    url: 'ws://127.0.0.1:9/ws',
    storage,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    network: null,
  });
}

export const visible = (v = true) => signal(v);

/** The one documented fake: the platform's Notification API, which happy-dom does not have. */
export function fakeNotifier(
  initial: Permission = 'default',
): Notifier & { shown: { title: string; body: string; tag: string; url: string }[]; permissionValue: Permission } {
  const n = {
    shown: [] as { title: string; body: string; tag: string; url: string }[],
    permissionValue: initial,
    permission: () => n.permissionValue,
    request: async (): Promise<Permission> => (n.permissionValue = 'granted'),
    show: async (title: string, o: { body: string; tag: string; url: string }) => void n.shown.push({ title, ...o }),
  };
  return n;
}

export function tick(ms = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A relay with Alice and Bob on it as contacts: `inviter` sent the request, the other accepted. */
export async function friends(inviter: 'alice' | 'bob' = 'alice') {
  const srv = await server();
  const alice = await user(srv);
  const bob = await user(srv);
  await (inviter === 'alice' ? befriend(alice, bob) : befriend(bob, alice));
  return { srv, alice, bob };
}
