// The service worker's `push` handler, bundled on its own (vite.config.ts, "sw-push.js") and
// imported by the generated worker. A push carries the E2E boxes the relay holds for this device
// (server/src/push/payload.ts) inside RFC 8291 encryption; the browser has removed that layer, and
// here the boxes are opened with the identity in IndexedDB, exactly as the SDK opens an envelope.
// It shows at most one notification per chat (tag), at the level chosen in Settings, and none for
// a chat already on screen in a focused window; an empty wake-up says "New message".
import { identityFromEntropy } from '../../protocol/index.ts';
import { IndexedDbStorage } from '../../client/indexedDbStorage.ts';
import { openPushPayload, type PushNotice } from '../../client/pushPayload.ts';
import { invitationText, messageText, readNotifyLevel, type NoticeText } from '../src/lib/notifyLevel.ts';
import { ON_SCREEN_QUESTION } from '../src/lib/onScreen.ts';

// The worker's globals, as far as this file uses them (tsconfig has the DOM lib, not WebWorker's).
interface PushData {
  arrayBuffer(): ArrayBuffer;
}
interface WindowClientLike {
  readonly url: string;
  readonly focused: boolean;
  readonly visibilityState: string;
  postMessage(message: unknown, transfer: Transferable[]): void;
}
declare const self: {
  readonly registration: ServiceWorkerRegistration;
  readonly clients: { matchAll(o: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly WindowClientLike[]> };
  readonly navigator: { setAppBadge?: (n?: number) => Promise<void> };
  addEventListener(type: 'push', fn: (e: { readonly data: PushData | null; waitUntil(p: Promise<unknown>): void }) => void): void;
};

interface Shown extends NoticeText {
  readonly tag: string;
  readonly url: string;
  /** Chat whose open window makes this notification redundant. */
  readonly chat?: string;
}

const ICON = '/icons/icon-192.png';

async function notices(data: PushData | null): Promise<Shown[]> {
  const storage = await IndexedDbStorage.open();
  try {
    const stored = await storage.getIdentity();
    // Wiped, or never set up: nobody to show anything to.
    if (!stored) return [];
    const identity = identityFromEntropy(stored.entropy);
    const opened = openPushPayload(identity, data ? new Uint8Array(data.arrayBuffer()) : null);
    const level = await readNotifyLevel();
    if (opened.wakeUp) return [{ ...messageText('none', '', ''), tag: 'wake', url: '/#/' }];
    // Newest per chat: one notification each, replaced by the next (tag).
    const latest = new Map<string, PushNotice>();
    for (const n of opened.notices) latest.set(n.kind === 'message' ? `m:${n.from}` : `${n.kind}:${n.id}`, n);
    const out: Shown[] = [];
    for (const n of latest.values()) {
      if (n.kind === 'message') {
        const c = await storage.getContact(n.from);
        // Only accepted contacts are notified, as in the app; a block silences them here too.
        if (c?.state !== 'accepted') continue;
        const already = await storage.getMessage(n.id);
        if (already) continue;
        out.push({
          ...messageText(level, c.displayName || 'Someone', n.text),
          tag: `chat-${n.from}`,
          url: `/#/chat/${n.from}`,
          chat: n.from,
        });
      } else if (n.kind === 'invitation') {
        const c = await storage.getContact(n.from);
        if (c?.state === 'blocked') continue;
        out.push({ ...invitationText(level, n.displayName || 'Someone', n.message), tag: `invite-${n.id}`, url: '/#/contacts' });
      } else if (n.status === 'accepted' || n.status === 'declined') {
        const c = await storage.getContact(n.peer);
        const who = level === 'none' ? 'Your contact request' : `${c?.displayName || 'Someone'}`;
        out.push({
          title: 'Contact request',
          body: level === 'none' ? 'Your contact request was answered.' : `${who} ${n.status} your request.`,
          tag: `invite-${n.id}`,
          url: n.status === 'accepted' ? `/#/chat/${n.peer}` : '/#/contacts',
        });
      }
    }
    return out;
  } finally {
    storage.close();
  }
}

/** The route a window shows, asked over a MessageChannel (web/src/lib/onScreen.ts); undefined when it does not answer in time. */
function askRoute(w: WindowClientLike): Promise<{ hash: string; focused: boolean; visible: boolean } | undefined> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    const timer = setTimeout(() => resolve(undefined), 500);
    ch.port1.onmessage = (e) => {
      clearTimeout(timer);
      resolve(e.data as { hash: string; focused: boolean; visible: boolean });
    };
    w.postMessage({ type: ON_SCREEN_QUESTION }, [ch.port2]);
  });
}

/** A focused, visible window of the app already showing that chat. */
async function onScreen(chat: string | undefined): Promise<boolean> {
  if (chat === undefined) return false;
  const windows = (await self.clients.matchAll({ type: 'window', includeUncontrolled: true })).filter(
    (w) => w.focused && w.visibilityState === 'visible',
  );
  const routes = await Promise.all(windows.map(askRoute));
  return routes.some((r) => r?.focused && r.visible && r.hash === `#/chat/${chat}`);
}

async function handlePush(data: PushData | null): Promise<void> {
  let list: Shown[];
  try {
    list = await notices(data);
  } catch {
    // Storage unreadable: still say something (a push must show a notification).
    list = [{ ...messageText('none', '', ''), tag: 'wake', url: '/#/' }];
  }
  for (const n of list) {
    if (await onScreen(n.chat)) continue;
    await self.registration.showNotification(n.title, { body: n.body, tag: n.tag, icon: ICON, badge: ICON, data: { url: n.url } });
  }
  const count = (await self.registration.getNotifications()).length;
  await self.navigator.setAppBadge?.(count).catch(() => undefined);
}

self.addEventListener('push', (event) => {
  event.waitUntil(handlePush(event.data));
});
