// Contacts, blocks, names and the grants that let us reach each other, kept in the account document
// (protocol/account.ts, synced by accountSync.ts) so every device of mine holds all of it. Storage's
// contact records are a projection of the document (accountView.ts), written only by _apply: a
// change made here or on another device reaches them the same way, with the frames it implies
// (grants to present, blocks and unblocks to tell the server, presence to watch or drop).
import {
  checkRevocation,
  contactStatus,
  createGrant,
  createRevocation,
  createUnblock,
  emptyAccount,
  mergeAccount,
  patch,
  PRIVACY_KEYS,
  randomId,
  type AccountDoc,
  type ClientFrame,
  type Grant,
  type Revocation,
  type SessionId,
} from '../protocol/index.ts';
import { AccountSync } from './accountSync.ts';
import { changedPeers, mayReach, nextRenewal, nextStatementIat, projectContact, renewalsDue, usableGrant } from './accountView.ts';
import { Batch } from './batch.ts';
import type { Bodies } from './body.ts';
import { report, type ClientContext } from './context.ts';
import type { Outbox } from './outbox.ts';
import type { Contact, Settings } from './storage.ts';

type SyncedContact = Bodies['contacts']['contacts'][number];

/** How long an envelope from an unknown sender waits for this socket's first document fetch. */
const FETCH_WAIT_MS = 10_000;

export interface ContactHooks {
  /** Presence to watch (newly reachable) or to drop (blocked). */
  watch(ids: string[]): void;
  unwatch(ids: string[]): void;
  /** This device's id (for the device list and the clock's tie-break). */
  deviceId(): string;
  /** Privacy settings changed on another device of mine. */
  privacy(p: Partial<Settings>): void;
}

export class Contacts {
  readonly sync: AccountSync;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _outbox: Outbox,
    private readonly _hooks: ContactHooks,
  ) {
    this.sync = new AccountSync({
      identity: () => _ctx.identity(),
      deviceId: () => _hooks.deviceId(),
      now: () => _ctx.runtime.now(),
      send: (f) => _ctx.send(f),
      connected: () => _ctx.connected(),
      maxFrameBytes: () => _ctx.limits()?.maxFrameBytes ?? 65_536,
      load: () => _ctx.storage.getAccount(),
      save: (state) => _ctx.storage.write([{ store: 'meta', key: 'account', put: state }]),
      apply: (next, prev) => this._apply(next, prev),
      report: (err) => report(_ctx, err),
    });
  }

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  async get(id: string): Promise<Contact | undefined> {
    return this._ctx.storage.getContact(id);
  }

  async isBlocked(id: string): Promise<boolean> {
    return contactStatus((await this.sync.doc()).contacts[id]) === 'blocked';
  }

  /**
   * Whether an envelope from `from` is taken: mine, or an accepted, unblocked contact. A sender
   * this device does not know yet may be one the document (not fetched yet on this socket: a
   * device just restored) knows, so it waits for the fetch before deciding.
   */
  async mayReceiveFrom(from: string): Promise<boolean> {
    const me = this._me();
    let doc = await this.sync.doc();
    if (mayReach(doc, from, me) || contactStatus(doc.contacts[from]) === 'blocked' || this.sync.fetched) return mayReach(doc, from, me);
    await this._fetchedOrTimeout();
    doc = await this.sync.doc();
    return mayReach(doc, from, me);
  }

  /** What the document says of `peer` once this socket's copy is merged (or FETCH_WAIT_MS passed). */
  async settledStatus(peer: string): Promise<ReturnType<typeof contactStatus>> {
    if (!this.sync.fetched) await this._fetchedOrTimeout();
    return contactStatus((await this.sync.doc()).contacts[peer]);
  }

  private async _fetchedOrTimeout(): Promise<void> {
    let timer: unknown;
    await Promise.race([this.sync.whenFetched(), new Promise<void>((r) => (timer = this._ctx.runtime.setTimeout(r, FETCH_WAIT_MS)))]);
    this._ctx.runtime.clearTimeout(timer);
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
    const revocations = contacts
      .filter((c) => c.state === 'blocked' && c.revocation)
      .map((c) => c.revocation!)
      .slice(0, maxGrants);
    return { grants, revocations };
  }

  /** Ids whose presence I may ask for. */
  async reachable(): Promise<string[]> {
    const now = this._ctx.runtime.now();
    return (await this._ctx.storage.listContacts())
      .filter((c) => c.state === 'accepted' && c.heldGrant && c.heldGrant.exp > now)
      .map((c) => c.sessionId);
  }

  /** A new socket: this device is seen, the document is fetched (renewals start once it is merged: dispatch.ts). */
  async onReady(): Promise<void> {
    const now = this._ctx.runtime.now();
    const seen = (await this.sync.doc()).devices[this._hooks.deviceId()]?.lastSeen;
    await this.sync.onConnected();
    // "Last seen" moves at most hourly: every connect would be an upload for every device.
    if (seen === undefined || now - seen > 3_600_000) await this.sync.update(() => patch.device(this._hooks.deviceId(), { lastSeen: now }));
  }

  /** A grant to me from `peer`, checked before it is kept; null when refused. */
  verifyHeldGrant(peer: string, grant: Grant | undefined): Grant | null {
    if (!grant) return null;
    if (!usableGrant(grant, peer, this._me(), this._ctx.runtime.now())) {
      report(this._ctx, new Error(`GRANT_INVALID: grant from ${peer.slice(0, 8)}… refused`));
      return null;
    }
    return grant;
  }

  /**
   * An accepted invitation (either side, on any of my devices): the contact exists only with a
   * grant signed by them, so nobody else (a server replaying old material) can make one appear.
   */
  async accepted(
    _b: Batch | undefined,
    peer: string,
    held: Grant | undefined,
    issued: Grant | undefined,
    displayName?: string,
  ): Promise<void> {
    const grant = this.verifyHeldGrant(peer, held);
    if (!grant) return;
    await this.sync.update((s) =>
      patch.contact(peer, {
        state: { v: 'accepted', s: s() },
        grant,
        ...(issued && { issued: { iat: issued.iat, exp: issued.exp } }),
        // An invitation's name ranks below any profile body the contact sends (at 0).
        ...(displayName !== undefined && displayName !== '' && { name: { v: displayName, at: 0 } }),
      }),
    );
  }

  /** A `grant` body: a renewal from the granter (or, from a device of mine, a grant I hold). */
  async onGrantBody(sender: string, grant: Grant): Promise<void> {
    if (sender !== grant.from && sender !== this._me()) return;
    const peer = grant.from;
    const rec = (await this.sync.doc()).contacts[peer];
    if (contactStatus(rec) !== 'accepted') return;
    if (rec?.grant && rec.grant.iat >= grant.iat && rec.grant.exp >= grant.exp) return;
    const g = this.verifyHeldGrant(peer, grant);
    if (g) await this.sync.update(() => patch.contact(peer, { grant: g }));
  }

  /** A contact's name, only from their own profile body and only if newer than the one held. */
  async onProfile(sender: string, displayName: string, at: number | undefined): Promise<void> {
    const rec = (await this.sync.doc()).contacts[sender];
    if (contactStatus(rec) === 'none' || contactStatus(rec) === 'removed') return;
    // A body without a time (an older client) only names someone who has no name yet.
    const when = at ?? 0;
    if (rec?.name && (when < rec.name.at || (when === rec.name.at && at === undefined))) return;
    if (rec?.name?.v === displayName && rec.name.at === when) return;
    await this.sync.update(() => patch.contact(sender, { name: { v: displayName, at: when } }));
  }

  /** The earliest time renewGrants could renew one, from the document (scheduledPass.ts). */
  async renewalCheckAt(now: number): Promise<number> {
    return nextRenewal(await this.sync.doc(), now);
  }

  /** Renews the grants I issued that are due, for contacts the document says are accepted and unblocked. */
  async renewGrants(): Promise<number> {
    const now = this._ctx.runtime.now();
    const due = renewalsDue(await this.sync.doc(), now);
    if (due.length === 0) return 0;
    const grants = due.map((peer) => createGrant(this._ctx.identity(), peer as SessionId, now));
    const b = new Batch(this._ctx);
    for (const grant of grants)
      this._outbox.enqueue(b, { id: randomId(), to: grant.to, kind: 'grant', body: JSON.stringify({ t: 'grant', grant }) });
    // The new expiries first: a renewal sent but not recorded would be sent again, which is harmless.
    await this.sync.update(() =>
      grants.reduce((doc, g) => mergeInto(doc, patch.contact(g.to, { issued: { iat: g.iat, exp: g.exp } })), emptyPatch()),
    );
    await b.commit();
    await this._outbox.flush();
    return grants.length;
  }

  /** My display name: in the document (my other devices) and in a profile body to every contact. */
  async setDisplayName(name: string): Promise<void> {
    const now = this._ctx.runtime.now();
    const doc = await this.sync.update((s) => patch.profileName(name, s()));
    const body = JSON.stringify({ t: 'profile', displayName: name, at: now });
    const b = new Batch(this._ctx);
    for (const [peer, rec] of Object.entries(doc.contacts)) {
      if (contactStatus(rec) === 'accepted') this._outbox.enqueue(b, { id: randomId(), to: peer, kind: 'profile', body });
    }
    await b.commit();
    await this._outbox.flush();
  }

  /** The devices of this identity the document knows, this one marked. */
  async devices(): Promise<{ deviceId: string; label?: string; lastSeen?: number; thisDevice: boolean }[]> {
    const mine = this._hooks.deviceId();
    return Object.entries((await this.sync.doc()).devices)
      .map(([deviceId, d]) => ({
        deviceId,
        thisDevice: deviceId === mine,
        ...(d.label && { label: d.label.v }),
        ...(d.lastSeen !== undefined && { lastSeen: d.lastSeen }),
      }))
      .sort((a, b) => (b.lastSeen ?? 0) - (a.lastSeen ?? 0));
  }

  async setPrivacy(p: Settings): Promise<void> {
    const doc = await this.sync.doc();
    const changed = PRIVACY_KEYS.filter((k) => doc.privacy[k]?.v !== p[k]);
    if (changed.length > 0)
      await this.sync.update((s) => changed.reduce((d, k) => mergeAccount(d, patch.privacy(k, p[k], s())), emptyAccount()));
  }

  async setDeviceLabel(label: string): Promise<void> {
    await this.sync.update((s) => patch.device(this._hooks.deviceId(), { label: { v: label, s: s() } }));
  }

  /** Older devices asked for contacts with a body; the document carries them now. */
  async shareWithMyDevices(): Promise<number> {
    return 0;
  }

  /** Contacts from an older device of mine (a `contacts` body), taken into the document. */
  async onContactsSync(list: readonly SyncedContact[]): Promise<void> {
    const me = this._me();
    for (const s of list) {
      if (s.sessionId === me) continue;
      if (s.state === 'blocked') {
        const r = s.revocation;
        if (!r || r.from !== me || r.to !== s.sessionId || checkRevocation(r) !== null) continue;
        await this.sync.update((st) => patch.contact(s.sessionId, { block: { v: { blocked: true, revocation: r }, s: st() } }));
      } else await this.accepted(undefined, s.sessionId, s.heldGrant, undefined, s.displayName);
    }
  }

  /** Blocks `peer` on every device of mine: a signed revocation, told to the server now and at every connect. */
  async block(peer: SessionId): Promise<void> {
    const now = this._ctx.runtime.now();
    const rec = (await this.sync.doc()).contacts[peer];
    const revocation = createRevocation(this._ctx.identity(), peer, nextStatementIat(rec, now));
    await this.sync.update((s) => patch.contact(peer, { block: { v: { blocked: true, revocation }, s: s() } }));
  }

  /** Lifts my block of `peer`: a signed unblock, and a fresh grant if they are a contact. */
  async unblock(peer: SessionId): Promise<void> {
    const now = this._ctx.runtime.now();
    const rec = (await this.sync.doc()).contacts[peer];
    if (contactStatus(rec) !== 'blocked') return;
    const iat = nextStatementIat(rec, now);
    const unblock = createUnblock(this._ctx.identity(), peer, iat);
    await this.sync.update((s) => patch.contact(peer, { block: { v: { blocked: false, unblock }, s: s() } }));
    if (rec?.state?.v !== 'accepted') return;
    // Grants from before the block stay void at the server: they get one issued after it.
    const grant = createGrant(this._ctx.identity(), peer, Math.max(now, iat + 1));
    const b = new Batch(this._ctx);
    this._outbox.enqueue(b, { id: randomId(), to: peer, kind: 'grant', body: JSON.stringify({ t: 'grant', grant }) });
    await this.sync.update(() => patch.contact(peer, { issued: { iat: grant.iat, exp: grant.exp } }));
    await b.commit();
    await this._outbox.flush();
  }

  /** Projects the changed records into storage and tells the server and the app what they imply. */
  private async _apply(next: AccountDoc, prev: AccountDoc): Promise<void> {
    const me = this._me();
    const now = this._ctx.runtime.now();
    const b = new Batch(this._ctx);
    const frames: ClientFrame[] = [];
    const held: Grant[] = [];
    const watch: string[] = [];
    const unwatch: string[] = [];
    for (const peer of changedPeers(prev, next)) {
      const existing = await this._ctx.storage.getContact(peer);
      const c = projectContact(peer, next.contacts[peer], me, now, existing);
      const block = next.contacts[peer]?.block?.v;
      const prevBlock = prev.contacts[peer]?.block?.v;
      if (block && block !== prevBlock && JSON.stringify(block) !== JSON.stringify(prevBlock)) {
        frames.push(block.blocked ? { type: 'revoke', revocation: block.revocation } : { type: 'unblock', unblock: block.unblock });
      }
      if (!c) {
        if (existing) b.deleteContact(peer);
        continue;
      }
      b.putContact(c);
      b.emit('contact', c);
      if (c.state === 'blocked') {
        if (existing?.state !== 'blocked') unwatch.push(peer);
        continue;
      }
      // A lapsed one would only be refused (GRANT_EXPIRED): a restore brings many.
      if (c.heldGrant && c.heldGrant.exp > now && c.heldGrant.sig !== existing?.heldGrant?.sig) held.push(c.heldGrant);
      // Watched once a usable grant comes: a new contact, or fresh grants after every one lapsed.
      const had = existing?.state === 'accepted' && existing.heldGrant !== undefined && existing.heldGrant.exp > now;
      if (c.heldGrant && c.heldGrant.exp > now && !had) watch.push(peer);
    }
    await b.commit();
    const privacy: { -readonly [K in keyof Settings]?: boolean } = {};
    for (const k of PRIVACY_KEYS) {
      const r = next.privacy[k];
      if (r && r.v !== prev.privacy[k]?.v) privacy[k] = r.v;
    }
    if (Object.keys(privacy).length > 0) this._hooks.privacy(privacy);
    // Blocks first, then grants (a send must never overtake the grant it needs), then presence.
    for (const f of frames) this._ctx.send(f);
    const max = this._ctx.limits()?.maxGrants ?? 1000;
    for (let i = 0; i < held.length; i += max) this._ctx.send({ type: 'grants', grants: held.slice(i, i + max) });
    if (unwatch.length > 0) this._hooks.unwatch(unwatch);
    if (watch.length > 0) this._hooks.watch(watch);
  }
}

function emptyPatch(): AccountDoc {
  return { profile: {}, privacy: {}, contacts: {}, conversations: {}, devices: {} };
}

function mergeInto(doc: AccountDoc, p: AccountDoc): AccountDoc {
  return { ...doc, contacts: { ...doc.contacts, ...p.contacts } };
}
