// System notifications for a new message or contact request while the app is not on screen.
// Permission is asked only at a moment that explains itself: once there is someone to hear from
// (a first contact accepted), and only when the person presses "Turn on".
import { computed, signal, type Signal } from '@preact/signals';
import type { Client } from '../api.ts';
import { Disposable } from './_disposable.ts';
import type { ContactsModel } from './contacts.ts';
import type { Prefs } from './prefs.ts';
import { DEFAULT_NOTIFY_LEVEL, invitationText, messageText, type NotifyLevel } from '../lib/notifyLevel.ts';

export type Permission = NotificationPermission | 'unsupported';

/** What the model needs of the platform; the browser's by default. */
export interface Notifier {
  permission(): Permission;
  request(): Promise<Permission>;
  show(title: string, opts: { body: string; tag: string; url: string }): Promise<void>;
}

export function browserNotifier(): Notifier {
  const N = (globalThis as { Notification?: typeof Notification }).Notification;
  return {
    permission: () => (N ? N.permission : 'unsupported'),
    request: async () => (N ? await N.requestPermission() : 'unsupported'),
    async show(title, { body, tag, url }) {
      if (N?.permission !== 'granted') return;
      const options = { body, tag, icon: '/icons/icon-192.png', badge: '/icons/icon-192.png', data: { url } };
      // Android Chrome only shows notifications through the service worker.
      const reg = await navigator.serviceWorker?.getRegistration().catch(() => undefined);
      if (reg) await reg.showNotification(title, options);
      else new N(title, options);
    },
  };
}

export interface NotificationsDeps {
  readonly client: Client;
  readonly contacts: ContactsModel;
  readonly prefs: Prefs;
  readonly visible: { readonly value: boolean };
  readonly notifier?: Notifier;
  /** How much a notification says (Settings); the service worker uses the same level for pushes. */
  readonly level?: { readonly value: NotifyLevel };
  /** Permission was just granted from a click: the moment to subscribe to Web Push. */
  readonly onGranted?: () => Promise<void>;
}

export class NotificationsModel extends Disposable {
  readonly permission: Signal<Permission>;
  /** Someone can reach me now: the moment asking for permission makes sense. */
  readonly hasContacts = computed(() => this._d.contacts.accepted.value.length > 0);
  readonly prompt = computed(() => this.permission.value === 'default' && this.hasContacts.value && !this._d.prefs.notifyDismissed.value);
  private readonly _n: Notifier;
  /** Muted conversations: no notifications (kept from the SDK's conversation records). */
  private readonly _muted = new Set<string>();

  constructor(private readonly _d: NotificationsDeps) {
    super();
    this._n = _d.notifier ?? browserNotifier();
    this.permission = signal(this._n.permission());
    const c = _d.client;
    this.own(c.on('conversation', ({ conversation: v }) => (v.muted ? this._muted.add(v.peer) : this._muted.delete(v.peer))));
    void c.getConversations().then((list) => {
      for (const v of list) if (v.muted) this._muted.add(v.peer);
    });
    this.own(
      c.on('message', (m) => {
        if (m.direction !== 'in' || this._muted.has(m.peer) || m.messageType === 'timer') return;
        const t = messageText(this._level(), this._d.contacts.name(m.peer), m.content);
        this._notify(t.title, t.body, `chat-${m.peer}`, `/#/chat/${m.peer}`);
      }),
    );
    this.own(
      c.on('invitation', (i) => {
        if (i.direction !== 'incoming' || i.status !== 'pending') return;
        const t = invitationText(this._level(), i.displayName || 'Someone', i.message ?? '');
        this._notify(t.title, t.body, `invite-${i.id}`, '/#/contacts');
      }),
    );
  }

  private _level(): NotifyLevel {
    return this._d.level?.value ?? DEFAULT_NOTIFY_LEVEL;
  }

  private _notify(title: string, body: string, tag: string, url: string): void {
    if (this._d.visible.value || this.permission.value !== 'granted') return;
    this._n.show(title, { body, tag, url }).catch((err: unknown) => console.warn('notification failed', err));
  }

  async enable(): Promise<void> {
    try {
      this.permission.value = await this._n.request();
    } catch {
      this.permission.value = this._n.permission();
    }
    if (this.permission.value === 'granted') await this._d.onGranted?.();
  }

  dismiss(): void {
    this._d.prefs.dismissNotifyPrompt();
  }
}
