// Everything that lives while an identity is open on this device: the connection, contacts,
// chats, invitations, notifications. Made after onboarding (or at start when one exists) and
// disposed on wipe.
import { effect, signal, type Signal } from '@preact/signals';
import type { Client, Engine, Settings } from '../api.ts';
import { ChatListModel } from './chatList.ts';
import { Clock } from './clock.ts';
import { ConnectionModel } from './connection.ts';
import { ContactsModel } from './contacts.ts';
import { Disposable } from './_disposable.ts';
import { InvitationsModel } from './invitations.ts';
import { NotificationsModel, type Notifier } from './notifications.ts';
import type { Prefs } from './prefs.ts';
import { PushModel } from './push.ts';
import { PageVisibility } from './visibility.ts';

export interface SessionDeps {
  readonly client: Client;
  readonly engine: Engine;
  readonly prefs: Prefs;
  readonly notifier?: Notifier;
  readonly doc?: Document;
  readonly win?: Window;
}

export class Session extends Disposable {
  readonly me: string;
  readonly client: Client;
  readonly engine: Engine;
  readonly prefs: Prefs;
  readonly privacy: Signal<Settings>;
  readonly clock: Clock;
  readonly visibility: PageVisibility;
  readonly connection: ConnectionModel;
  readonly contacts: ContactsModel;
  readonly chats: ChatListModel;
  readonly invitations: InvitationsModel;
  readonly notifications: NotificationsModel;
  readonly push: PushModel;

  constructor(d: SessionDeps) {
    super();
    this.client = d.client;
    this.engine = d.engine;
    this.prefs = d.prefs;
    this.me = d.client.sessionId!;
    this.privacy = signal(d.client.settings);
    this.clock = this._owned(new Clock());
    this.visibility = this._owned(new PageVisibility(d.doc));
    this.connection = this._owned(new ConnectionModel(d.client, d.win));
    this.contacts = this._owned(new ContactsModel(d.client, this.privacy));
    this.chats = this._owned(new ChatListModel(d.client));
    this.invitations = this._owned(new InvitationsModel(d.client, this.contacts, d.prefs));
    this.push = this._owned(new PushModel(d.client));
    this.notifications = this._owned(
      new NotificationsModel({
        client: d.client,
        contacts: this.contacts,
        prefs: d.prefs,
        visible: this.visibility.visible,
        level: this.push.level,
        onGranted: () => this.push.subscribe(),
        ...(d.notifier ? { notifier: d.notifier } : {}),
      }),
    );
    // Once connected (the relay's VAPID key comes with it), a subscription this browser holds is registered again.
    const offPush = this.client.on('connection', (e) => {
      if (e.newState !== 'connected') return;
      offPush();
      void this.push.resume();
    });
    this.own(offPush);
    this.own(this.client.on('error', (err) => console.warn('[sdk]', err.message)));
    const doc = d.doc ?? globalThis.document;
    if (doc) {
      const title = doc.title;
      this.own(
        effect(() => {
          const n = this.chats.unreadTotal.value + this.invitations.incomingCount.value;
          doc.title = n > 0 ? `(${n}) ${title}` : title;
        }),
      );
      this.own(() => (doc.title = title));
    }
  }

  private _owned<T extends { dispose(): void }>(m: T): T {
    this.own(() => m.dispose());
    return m;
  }

  start(): void {
    this.connection.connect();
  }

  /** Resolves once the chat list, names and requests have been read (their first refresh). */
  async ready(): Promise<void> {
    await Promise.all([this.chats.refresh.idle(), this.contacts.refresh.idle(), this.invitations.refresh.idle()]);
  }
}
