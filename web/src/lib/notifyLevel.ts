// How much a notification may say, chosen in Settings and read by both the app (in-app
// notifications) and the service worker (pushes while the app is closed). In IndexedDB: a service
// worker has no Web Storage.
import { openDB, type DBSchema } from 'idb';

/** full: name and text; name: name only; none: just "New message". */
export type NotifyLevel = 'full' | 'name' | 'none';
export const NOTIFY_LEVELS: readonly NotifyLevel[] = ['full', 'name', 'none'];
/** Like Signal's default: who and what. */
export const DEFAULT_NOTIFY_LEVEL: NotifyLevel = 'full';

interface PrefsDB extends DBSchema {
  kv: { key: string; value: string };
}

const DB = 'session-messenger-prefs';

async function db() {
  return openDB<PrefsDB>(DB, 1, {
    upgrade(d) {
      d.createObjectStore('kv');
    },
  });
}

export async function readNotifyLevel(): Promise<NotifyLevel> {
  try {
    const d = await db();
    const v = await d.get('kv', 'notifyLevel');
    d.close();
    return (NOTIFY_LEVELS as readonly string[]).includes(v ?? '') ? (v as NotifyLevel) : DEFAULT_NOTIFY_LEVEL;
  } catch {
    return DEFAULT_NOTIFY_LEVEL;
  }
}

export async function writeNotifyLevel(level: NotifyLevel): Promise<void> {
  const d = await db();
  await d.put('kv', level, 'notifyLevel');
  d.close();
}

export async function clearNotifyPrefs(): Promise<void> {
  const d = await db();
  await d.clear('kv');
  d.close();
}

export interface NoticeText {
  readonly title: string;
  readonly body: string;
}

/** What a message notification says at a level. */
export function messageText(level: NotifyLevel, name: string, text: string): NoticeText {
  if (level === 'none') return { title: 'Session', body: 'New message' };
  if (level === 'name') return { title: name, body: 'New message' };
  return { title: name, body: text.length > 140 ? `${text.slice(0, 140)}…` : text };
}

/** What a contact-request notification says at a level. */
export function invitationText(level: NotifyLevel, name: string, note: string): NoticeText {
  if (level === 'none') return { title: 'Contact request', body: 'New contact request' };
  if (level === 'name' || note === '') return { title: 'Contact request', body: `${name} wants to connect with you.` };
  return { title: 'Contact request', body: `${name}: ${note}` };
}
