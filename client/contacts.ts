// Contacts and the grants that let us reach each other (docs/protocol.md "Grants"): the grants I
// hold are presented in every auth; the ones I issued are renewed before they lapse; a block is a
// revocation re-presented in every auth, so it survives a server restart with no database.
import {
  checkGrant,
  checkRevocation,
  createGrant,
  createRevocation,
  GRANT_RENEW_BEFORE_MS,
  type Grant,
  type Revocation,
  type SessionId,
} from '../protocol/index.ts';
import { report, type ClientContext } from './context.ts';
import type { Outbox } from './outbox.ts';
import { randomId } from '../protocol/index.ts';
import { atomically, Batch } from './batch.ts';
import { CONTACTS_PER_BODY, type Bodies } from './body.ts';
import type { Contact } from './storage.ts';

type SyncedContact = Bodies['contacts']['contacts'][number];

export class Contacts {
  constructor(
    private readonly _ctx: ClientContext,
    private readonly _outbox: Outbox,
  ) {}

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  async get(id: string): Promise<Contact | undefined> {
    return this._ctx.storage.getContact(id);
  }

  async isBlocked(id: string): Promise<boolean> {
    return (await this._ctx.storage.getContact(id))?.state === 'blocked';
  }

  /** Grants and revocations for auth: unexpired grants of unblocked contacts, newest expiry first. */
  async authMaterial(maxGrants: number): Promise<{ grants: Grant[]; revocations: Revocation[] }> {
    const now = this._ctx.runtime.now();
    const contacts = await this._ctx.storage.listContacts();
    const grants = contacts
      .filter((c) => c.state === 'accepted' && c.heldGrant && c.heldGrant.exp > now)
      .map((c) => c.heldGrant!)
      .sort((a, b) => b.exp - a.exp)
      .slice(0, maxGrants);
    const revocations = contacts.filter((c) => c.revocation).map((c) => c.revocation!).slice(0, maxGrants);
    return { grants, revocations };
  }

  /** Ids whose presence I may ask for. */
  async reachable(): Promise<string[]> {
    const now = this._ctx.runtime.now();
    return (await this._ctx.storage.listContacts()).filter((c) => c.state === 'accepted' && c.heldGrant && c.heldGrant.exp > now).map((c) => c.sessionId);
  }

  /** A grant to me from `peer`, checked before it is kept; null when refused. */
  verifyHeldGrant(peer: string, grant: Grant | undefined): Grant | null {
    if (!grant) return null;
    const code = grant.from === peer ? checkGrant(grant, this._me(), this._ctx.runtime.now()) : 'GRANT_INVALID';
    if (code) {
      report(this._ctx, new Error(`${code}: grant from ${peer.slice(0, 8)}… refused`));
      return null;
    }
    return grant;
  }

  /** Records an accepted contact (either side of an invitation, on any of my devices), in batch b. */
  async accepted(b: Batch, peer: string, held: Grant | undefined, issuedExp: number | undefined, displayName?: string): Promise<Contact> {
    const now = this._ctx.runtime.now();
    const existing = await b.getContact(peer);
    const c: Contact = existing ?? { sessionId: peer, state: 'accepted', createdAt: now, updatedAt: now };
    if (c.state !== 'blocked') c.state = 'accepted';
    const grant = this.verifyHeldGrant(peer, held);
    if (grant && (!c.heldGrant || grant.exp > c.heldGrant.exp)) c.heldGrant = grant;
    if (issuedExp !== undefined && (c.issuedGrantExp === undefined || issuedExp > c.issuedGrantExp)) c.issuedGrantExp = issuedExp;
    if (displayName !== undefined && displayName !== '') c.displayName = displayName;
    c.updatedAt = now;
    b.putContact(c);
    const held2 = c.heldGrant;
    if (held2 && c.state === 'accepted') b.after(() => this._ctx.send({ type: 'grants', grants: [held2] }));
    b.emit('contact', c);
    return c;
  }

  /**
   * A `grant` body: a renewal from the granter, or, sent by another of my devices, a grant I hold.
   * Either way it must be signed by its `from` and name me: a forged one fails checkGrant.
   */
  async onGrantBody(sender: string, grant: Grant): Promise<void> {
    if (sender !== grant.from && sender !== this._me()) return;
    const peer = grant.from;
    const c = await this._ctx.storage.getContact(peer);
    if (!c || c.state !== 'accepted') return;
    const g = this.verifyHeldGrant(peer, grant);
    if (!g || (c.heldGrant && g.exp <= c.heldGrant.exp)) return;
    c.heldGrant = g;
    c.updatedAt = this._ctx.runtime.now();
    await this._ctx.storage.putContact(c);
    this._ctx.send({ type: 'grants', grants: [g] });
  }

  async onProfile(sender: string, displayName: string): Promise<void> {
    const c = await this._ctx.storage.getContact(sender);
    if (!c || c.displayName === displayName) return;
    c.displayName = displayName;
    c.updatedAt = this._ctx.runtime.now();
    await this._ctx.storage.putContact(c);
    this._ctx.events.emit('contact', c);
  }

  /** Renews every grant I issued that has less than GRANT_RENEW_BEFORE_MS left. Returns how many. */
  async renewGrants(): Promise<number> {
    const now = this._ctx.runtime.now();
    let n = 0;
    // The grant's envelope and the new expiry together: one without the other would renew never, or twice.
    const b = new Batch(this._ctx);
    for (const c of await this._ctx.storage.listContacts()) {
      if (c.state !== 'accepted' || c.issuedGrantExp === undefined || c.issuedGrantExp - now >= GRANT_RENEW_BEFORE_MS) continue;
      const grant = createGrant(this._ctx.identity(), c.sessionId as SessionId, now);
      this._outbox.enqueue(b, { id: randomId(), to: c.sessionId, kind: 'grant', body: JSON.stringify({ t: 'grant', grant }) });
      c.issuedGrantExp = grant.exp;
      c.updatedAt = now;
      b.putContact(c);
      n++;
    }
    await b.commit();
    return n;
  }

  /**
   * A newly linked device of mine asked for my contacts. Everything that grants reach is signed by
   * someone else (held grants) or by me (revocations), so the new device verifies it all again.
   */
  async shareWithMyDevices(): Promise<number> {
    const list: SyncedContact[] = (await this._ctx.storage.listContacts()).map((c) => {
      const s: SyncedContact = { sessionId: c.sessionId, state: c.state };
      if (c.displayName !== undefined) s.displayName = c.displayName;
      if (c.heldGrant) s.heldGrant = c.heldGrant;
      if (c.issuedGrantExp !== undefined) s.issuedGrantExp = c.issuedGrantExp;
      if (c.revocation) s.revocation = c.revocation;
      return s;
    });
    await atomically(this._ctx, (b) => {
      for (let i = 0; i < list.length; i += CONTACTS_PER_BODY) {
        const body: Bodies['contacts'] = { t: 'contacts', contacts: list.slice(i, i + CONTACTS_PER_BODY) };
        this._outbox.enqueue(b, { id: randomId(), to: this._me(), kind: 'contacts', body: JSON.stringify(body) });
      }
    });
    if (list.length > 0) await this._outbox.flush();
    return list.length;
  }

  /** Contacts from another of my devices, merged: a block from any device wins. */
  async onContactsSync(list: readonly SyncedContact[]): Promise<void> {
    const me = this._me();
    const b = new Batch(this._ctx);
    for (const s of list) {
      if (s.sessionId === me) continue;
      if (s.state === 'blocked') {
        const r = s.revocation;
        if (!r || r.from !== me || r.to !== s.sessionId || checkRevocation(r) !== null) continue;
        const now = this._ctx.runtime.now();
        const c: Contact = (await b.getContact(s.sessionId)) ?? { sessionId: s.sessionId, state: 'blocked', createdAt: now, updatedAt: now };
        if (c.state === 'blocked' && c.revocation && c.revocation.iat >= r.iat) continue;
        c.state = 'blocked';
        c.revocation = r;
        if (s.displayName !== undefined && c.displayName === undefined) c.displayName = s.displayName;
        c.updatedAt = now;
        b.putContact(c);
        b.emit('contact', c);
      } else {
        await this.accepted(b, s.sessionId, s.heldGrant, s.issuedGrantExp, s.displayName);
      }
    }
    await b.commit();
  }

  /** Blocks `peer`: a signed revocation, sent now if connected and in every auth from now on. */
  async block(peer: SessionId): Promise<Contact> {
    const now = this._ctx.runtime.now();
    const revocation = createRevocation(this._ctx.identity(), peer, now);
    const c: Contact = (await this._ctx.storage.getContact(peer)) ?? { sessionId: peer, state: 'blocked', createdAt: now, updatedAt: now };
    c.state = 'blocked';
    c.revocation = revocation;
    c.updatedAt = now;
    await this._ctx.storage.putContact(c);
    this._ctx.send({ type: 'revoke', revocation });
    this._ctx.events.emit('contact', c);
    return c;
  }
}
