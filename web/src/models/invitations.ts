// Contact requests both ways: incoming ones to accept, decline or block; outgoing ones with their
// state (pending with time left, accepted, declined, expired, cancelled, failed with a reason).
import { computed, signal } from '@preact/signals';
import type { Client, InvitationRecord } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { coalesce } from './_coalesce.ts';
import { Disposable } from './_disposable.ts';
import type { ContactsModel } from './contacts.ts';
import type { Prefs } from './prefs.ts';

export class InvitationsModel extends Disposable {
  readonly list = signal<readonly InvitationRecord[]>([]);
  readonly loaded = signal(false);
  /** Invitation ids with a request on its way. */
  readonly busy = signal<ReadonlySet<string>>(new Set());
  /** Per invitation, what went wrong with the last action. */
  readonly errors = signal<ReadonlyMap<string, string>>(new Map());

  /** Pending requests to me, except from people I blocked. */
  readonly incoming = computed(() => {
    const blocked = new Set(this._contacts.blocked.value.map((c) => c.sessionId));
    return this.list.value.filter((i) => i.direction === 'incoming' && i.status === 'pending' && !blocked.has(i.peer) && !i.renew);
  });
  // Renewals (re-invitations after a restore) are the SDK's own business: never a request on screen.
  // A duplicate (another of my devices asked the same person first) follows that request's row.
  readonly outgoing = computed(() => this.list.value.filter((i) => i.direction === 'outgoing' && !i.renew && !i.duplicate));
  readonly incomingCount = computed(() => this.incoming.value.length);

  readonly refresh = coalesce(async () => {
    this._set(await this._client.getInvitations());
    this.loaded.value = true;
  });

  private _set(list: readonly InvitationRecord[]): void {
    this.list.value = list;
    const names = new Map<string, string>();
    for (const i of list) if (i.direction === 'incoming' && i.displayName) names.set(i.peer, i.displayName);
    const old = this._contacts.invitationNames.value;
    if (names.size !== old.size || [...names].some(([k, v]) => old.get(k) !== v)) this._contacts.invitationNames.value = names;
  }

  /** The invitation and invitationUpdate events carry the record: replace it, newest first. */
  private _onRecord(rec: InvitationRecord): void {
    if (!this.loaded.value) return this.refresh();
    this._set([...this.list.value.filter((i) => i.id !== rec.id), rec].sort((a, b) => b.createdAt - a.createdAt));
  }

  constructor(
    private readonly _client: Client,
    private readonly _contacts: ContactsModel,
    private readonly _prefs: Prefs,
  ) {
    super();
    this.own(_client.on('invitation', (i) => this._onRecord(i)));
    this.own(_client.on('invitationUpdate', (u) => this._onRecord(u.invitation)));
    // Requests queued offline go out on connect (pendingOp), with no event of their own.
    this.own(_client.on('connection', (e) => e.newState === 'connected' && this.refresh()));
    this.refresh();
  }

  private async _act(id: string, fn: () => Promise<unknown>): Promise<boolean> {
    if (this.busy.value.has(id)) return false;
    this.busy.value = new Set(this.busy.value).add(id);
    const errors = new Map(this.errors.value);
    errors.delete(id);
    this.errors.value = errors;
    try {
      await fn();
      return true;
    } catch (err) {
      this.errors.value = new Map(this.errors.value).set(id, describeError(err));
      return false;
    } finally {
      const b = new Set(this.busy.value);
      b.delete(id);
      this.busy.value = b;
      this.refresh();
    }
  }

  /** Accepts and introduces me by my display name, if I set one. */
  accept(id: string): Promise<boolean> {
    const name = this._prefs.displayName.value;
    return this._act(id, () => this._client.acceptInvitation(id, name ? { displayName: name } : {}));
  }

  decline(id: string): Promise<boolean> {
    return this._act(id, () => this._client.declineInvitation(id));
  }

  cancel(id: string): Promise<boolean> {
    return this._act(id, () => this._client.cancelInvitation(id));
  }

  /** Declines the request and blocks its sender: no more requests or messages from them. */
  block(inv: InvitationRecord): Promise<boolean> {
    return this._act(inv.id, async () => {
      if (inv.status === 'pending' && inv.direction === 'incoming') await this._client.declineInvitation(inv.id).catch(() => undefined);
      await this._contacts.block(inv.peer);
    });
  }
}
