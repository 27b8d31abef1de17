// Opening a Web Push payload on the device (the service worker; tests): the server sends the E2E
// boxes it holds for the device (server/src/push/payload.ts), and only this identity's keys open
// them. The result is what a notification may say, before the app's privacy level trims it.
// Every check the SDK makes on a live envelope is made here too: the box must open, its sender must
// be the one named, and only a message ("msg") from someone else is notified.
import { fromBase64, open, utf8Decode, type Identity } from '../protocol/index.ts';
import { decodeBody } from './body.ts';

export type PushNotice =
  | { readonly kind: 'message'; readonly id: string; readonly from: string; readonly text: string; readonly messageType: string }
  | { readonly kind: 'invitation'; readonly id: string; readonly from: string; readonly displayName: string; readonly message: string }
  | { readonly kind: 'invitation_update'; readonly id: string; readonly peer: string; readonly status: string };

export interface OpenedPush {
  /** Newest last; only what opened and is worth a notification. */
  readonly notices: PushNotice[];
  /** Items left out of the push for room, plus items that did not open or are not notified (receipts). */
  readonly skipped: number;
  /** An empty push: the server had something but it did not fit; the app should open and fetch. */
  readonly wakeUp: boolean;
}

interface RawItem {
  readonly k?: unknown;
  readonly id?: unknown;
  readonly ct?: unknown;
  readonly from?: unknown;
  readonly peer?: unknown;
  readonly status?: unknown;
}

const HEX_ID = /^[0-9a-f]{32}$/;
const SID = /^05[0-9a-f]{64}$/;

/** Opens a decrypted push body (PushMessageData bytes or text). Never throws on bad input: it skips. */
export function openPushPayload(identity: Identity, data: Uint8Array | string | null | undefined): OpenedPush {
  const text = data == null ? '' : typeof data === 'string' ? data : utf8Decode(data);
  if (text.length === 0) return { notices: [], skipped: 0, wakeUp: true };
  let parsed: { v?: unknown; items?: unknown; more?: unknown };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    return { notices: [], skipped: 0, wakeUp: true };
  }
  const items = Array.isArray(parsed.items) ? (parsed.items as RawItem[]).slice(-64) : [];
  let skipped = typeof parsed.more === 'number' && parsed.more > 0 ? Math.floor(parsed.more) : 0;
  const notices: PushNotice[] = [];
  for (const item of items) {
    const n = openItem(identity, item);
    if (n) notices.push(n);
    else skipped++;
  }
  return { notices, skipped, wakeUp: false };
}

function openItem(identity: Identity, item: RawItem): PushNotice | undefined {
  if (typeof item?.id !== 'string' || !HEX_ID.test(item.id)) return undefined;
  try {
    if (item.k === 'm' && typeof item.ct === 'string') {
      const opened = open(identity, fromBase64(item.ct));
      if (opened.senderId === identity.sessionId) return undefined;
      const body = decodeBody(opened.body);
      if (body?.t !== 'msg') return undefined;
      return { kind: 'message', id: body.id, from: opened.senderId, text: body.content, messageType: body.messageType };
    }
    if (item.k === 'i' && typeof item.ct === 'string' && typeof item.from === 'string') {
      const opened = open(identity, fromBase64(item.ct));
      if (opened.senderId !== item.from) return undefined;
      const body = decodeBody(opened.body);
      if (body?.t !== 'invite') return undefined;
      return { kind: 'invitation', id: item.id, from: opened.senderId, displayName: body.displayName, message: body.message };
    }
    if (item.k === 'u' && typeof item.peer === 'string' && SID.test(item.peer) && typeof item.status === 'string') {
      return { kind: 'invitation_update', id: item.id, peer: item.peer, status: item.status.slice(0, 16) };
    }
  } catch {
    // Did not open (not for this identity, tampered, an unknown version): not notified.
  }
  return undefined;
}
