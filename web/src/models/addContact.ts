// The "add contact" form: a pasted (or scanned) Session ID, the name they will see me as, a note.
// An invalid ID is rejected inline with the reason protocol/sessionId.ts gives.
import { computed, signal, type Signal } from '@preact/signals';
import type { Client, Engine } from '../api.ts';
import { attempt } from './_attempt.ts';
import { Disposable } from './_disposable.ts';
import type { ContactsModel } from './contacts.ts';
import type { InvitationsModel } from './invitations.ts';
import { MAX_NAME, type Prefs } from './prefs.ts';

export const MAX_NOTE = 1024;

export interface AddContactDeps {
  readonly client: Client;
  readonly engine: Pick<Engine, 'describeSessionIdProblem' | 'normaliseSessionId'>;
  readonly contacts: ContactsModel;
  readonly invitations: InvitationsModel;
  readonly prefs: Prefs;
  readonly me: string;
}

export class AddContactModel extends Disposable {
  readonly sessionId: Signal<string>;
  readonly name: Signal<string>;
  readonly note = signal('');
  /** Show the ID's problem only once the person has finished typing (blur) or submitted. */
  readonly touched = signal(false);
  readonly nameError = signal<string | null>(null);
  readonly submitError = signal<string | null>(null);
  readonly submitting = signal(false);
  /** The invitation just sent. */
  readonly sentId = signal<string | null>(null);

  readonly idProblem = computed(() => this._problem(this.sessionId.value));
  readonly idError = computed(() => (this.touched.value ? this.idProblem.value : null));
  /** An accepted contact with this ID: offer to open the chat instead. */
  readonly existing = computed(() => {
    const id = this.sessionId.value.trim();
    const c = this._d.contacts.byId.value.get(id);
    return c?.state === 'accepted' ? c : undefined;
  });

  constructor(
    private readonly _d: AddContactDeps,
    initialId = '',
  ) {
    super();
    // Pasted, scanned or from an invite link: held as the ID it means (no breaks, lower case).
    this.sessionId = signal(_d.engine.normaliseSessionId(initialId));
    this.name = signal(_d.prefs.displayName.value);
    if (initialId) this.touched.value = true;
  }

  private _problem(value: string): string | null {
    const p = this._d.engine.describeSessionIdProblem(value);
    if (p) return p;
    const id = value.trim();
    if (id === this._d.me) return 'That is your own Session ID. Ask the other person for theirs.';
    if (this._d.contacts.byId.value.get(id)?.state === 'blocked') return 'You blocked this Session ID.';
    if (this._d.invitations.outgoing.value.some((i) => i.peer === id && i.status === 'pending'))
      return 'You already sent a request to this Session ID; it is waiting for an answer.';
    if (this._d.invitations.incoming.value.some((i) => i.peer === id))
      return 'This person already sent you a request: accept it under Contacts.';
    return null;
  }

  setId(v: string): void {
    this.sessionId.value = this._d.engine.normaliseSessionId(v);
    this.submitError.value = null;
    // A paste of a whole ID is finished input: judge it at once.
    if (v.trim().length >= 66) this.touched.value = true;
  }

  blurId(): void {
    if (this.sessionId.value.trim() !== '') this.touched.value = true;
  }

  setName(v: string): void {
    this.name.value = v;
    this.nameError.value = null;
  }

  setNote(v: string): void {
    this.note.value = v;
  }

  async submit(): Promise<boolean> {
    this.touched.value = true;
    this.submitError.value = null;
    const name = this.name.value.trim();
    this.nameError.value =
      name === ''
        ? 'Enter the name they will see, so they know who is asking.'
        : name.length > MAX_NAME
          ? `At most ${MAX_NAME} characters.`
          : null;
    if (this.idProblem.value || this.nameError.value || this.existing.value) return false;
    if (this.note.value.length > MAX_NOTE) {
      this.submitError.value = `The note is too long: at most ${MAX_NOTE} characters.`;
      return false;
    }
    return attempt(this.submitting, this.submitError, async () => {
      this._d.prefs.setDisplayName(name);
      const id = await this._d.client.sendInvitation({
        recipientId: this.sessionId.value.trim(),
        displayName: name,
        message: this.note.value.trim(),
      });
      // The SDK told the new invitation (an `invitation` event) before sendInvitation resolved.
      await this._d.invitations.refresh.idle();
      this.sentId.value = id;
    });
  }
}
