// Contacts with what is live about them: presence and typing. Names come from the contact record
// (their invitation or profile), else from a pending invitation, else a short form of the ID.
import { computed, signal, type ReadonlySignal } from '@preact/signals';
import type { Client, Contact, Settings } from '../api.ts';
import { shortId } from '../lib/format.ts';
import { coalesce } from './_coalesce.ts';
import { Disposable } from './_disposable.ts';

function withOne(set: ReadonlySet<string>, id: string, on: boolean): ReadonlySet<string> {
  if (set.has(id) === on) return set;
  const next = new Set(set);
  if (on) next.add(id);
  else next.delete(id);
  return next;
}

function byName(list: Contact[]): Contact[] {
  return list.sort((a, b) => (a.displayName ?? a.sessionId).localeCompare(b.displayName ?? b.sessionId));
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  return a.size === b.size && [...a].every((x) => b.has(x));
}

export class ContactsModel extends Disposable {
  readonly list = signal<readonly Contact[]>([]);
  readonly loaded = signal(false);
  /** What the server and the SDK report. */
  readonly reportedOnline = signal<ReadonlySet<string>>(new Set());
  readonly reportedTyping = signal<ReadonlySet<string>>(new Set());
  private static readonly _none: ReadonlySet<string> = new Set();
  // Reciprocal privacy (as in Signal): who hides their own presence or typing sees no one else's.
  readonly online = computed(() => (this._privacy?.value.sharePresence === false ? ContactsModel._none : this.reportedOnline.value));
  readonly typing = computed(() => (this._privacy?.value.shareTyping === false ? ContactsModel._none : this.reportedTyping.value));
  /** Names known from invitations, for people who are not (yet) contacts. */
  readonly invitationNames = signal<ReadonlyMap<string, string>>(new Map());

  readonly byId = computed(() => new Map(this.list.value.map((c) => [c.sessionId, c])));
  readonly accepted = computed(() => this.list.value.filter((c) => c.state === 'accepted'));
  readonly blocked = computed(() => this.list.value.filter((c) => c.state === 'blocked'));

  readonly refresh = coalesce(async () => {
    this.list.value = byName(await this._client.getContacts());
    this.loaded.value = true;
    this._seedLive();
  });

  /** A contact event carries the record: replace it in the list (read from storage only at start). */
  private _onContact(c: Contact): void {
    if (!this.loaded.value) return this.refresh();
    const known = this.list.value.some((x) => x.sessionId === c.sessionId);
    this.list.value = byName([...this.list.value.filter((x) => x.sessionId !== c.sessionId), c]);
    if (!known) this._seedLive();
  }

  constructor(
    private readonly _client: Client,
    private readonly _privacy?: ReadonlySignal<Settings>,
  ) {
    super();
    this.own(_client.on('contact', (c) => this._onContact(c)));
    this.own(_client.on('presence', (p) => (this.reportedOnline.value = withOne(this.reportedOnline.value, p.peer, p.online))));
    this.own(_client.on('typing', (t) => (this.reportedTyping.value = withOne(this.reportedTyping.value, t.peer, t.isTyping))));
    this.own(
      _client.on('connection', (e) => {
        // The SDK tells peers offline when the socket goes (Presence.reset); typing is cleared here.
        if (e.newState === 'connected') this._seedLive();
        else this.reportedTyping.value = new Set();
      }),
    );
    this.refresh();
  }

  /** The SDK tells changes only: take what it knows now (a model made later missed the events). */
  private _seedLive(): void {
    const ids = this.list.value.map((c) => c.sessionId);
    const online = new Set(ids.filter((id) => this._client.isOnline(id)));
    const typing = new Set(ids.filter((id) => this._client.isTyping(id)));
    if (!sameSet(online, this.reportedOnline.value)) this.reportedOnline.value = online;
    if (!sameSet(typing, this.reportedTyping.value)) this.reportedTyping.value = typing;
  }

  name(id: string): string {
    return this.byId.value.get(id)?.displayName || this.invitationNames.value.get(id) || shortId(id);
  }

  /** True when a real name is known (not just the short ID). */
  hasName(id: string): boolean {
    return Boolean(this.byId.value.get(id)?.displayName || this.invitationNames.value.get(id));
  }

  isOnline(id: string): boolean {
    return this.online.value.has(id);
  }

  async block(id: string): Promise<void> {
    await this._client.block(id);
    await this.refresh.idle();
  }

  async unblock(id: string): Promise<void> {
    await this._client.unblock(id);
    await this.refresh.idle();
  }
}
