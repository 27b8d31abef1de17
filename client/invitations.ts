// Invitations (docs/protocol.md "Invitations"). Each record carries at most one request this device
// still has to get acknowledged (pendingOp), so invite/accept/decline/cancel work offline and go
// out on the next connect. The other side is told through the stream (invitation_update).
import { createGrant, ProtocolError, randomId, type ServerFrames, type SessionId } from '../protocol/index.ts';
import type { BackoffOptions } from './backoff.ts';
import { Batch } from './batch.ts';
import { errorFromFrame } from './connection.ts';
import type { Contacts } from './contacts.ts';
import { report, type ClientContext } from './context.ts';
import type { Outbox } from './outbox.ts';
import { PendingEngine } from './pending.ts';
import { regrantCandidates, regrantsDue } from './accountView.ts';
import { nextRegrantCheck, regrantsToAsk } from './regrantPace.ts';
import { clearRetry, openInvitationBox, outgoingRecord } from './invitationRecords.ts';
import type { InvitationOp, InvitationRecord } from './storage.ts';

/** ok.op (the request's frame type) → the request. */
const OK_OPS: Readonly<Record<string, InvitationOp>> = {
  invite: 'invite',
  regrant: 'invite',
  invite_accept: 'accept',
  invite_decline: 'decline',
  invite_cancel: 'cancel',
};

export class Invitations {
  private readonly _engine: PendingEngine<InvitationRecord>;

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _contacts: Contacts,
    private readonly _outbox: Outbox,
    retry: BackoffOptions,
  ) {
    this._engine = new PendingEngine(_ctx, retry, {
      // Oldest first: requests go in the order they were made.
      list: async () => (await _ctx.storage.listInvitations()).reverse(),
      request: (rec) => {
        const op = rec.pendingOp;
        if (
          !op ||
          (op === 'invite' && (rec.ct === undefined || rec.grant === undefined)) ||
          (op === 'accept' && rec.responseGrant === undefined)
        )
          return undefined;
        return {
          id: rec.id,
          key: rec.peer,
          what: op,
          retry: { attempts: rec.opAttempts ?? 0, lastError: rec.opLastError, nextAttemptAt: rec.opNextAt },
        };
      },
      transmit: async (rec) => (this._transmit(rec) ? 'sent' : 'offline'),
      // My invitation still waiting for an answer: the new server has never seen it (same id, same grant).
      reopen: (rec, now) => {
        if (rec.direction !== 'outgoing' || rec.status !== 'pending' || rec.pendingOp || !rec.ct || rec.expiresAt <= now) return false;
        rec.pendingOp = 'invite';
        return true;
      },
      stage: (b, rec) => b.putInvitation(rec),
    });
  }

  private _transmit(rec: InvitationRecord): boolean {
    const send = this._ctx.send;
    switch (rec.pendingOp) {
      case 'invite':
        if (rec.proof) return send({ type: 'regrant', id: rec.id, to: rec.peer, ct: rec.ct!, grant: rec.grant!, proof: rec.proof });
        return send({ type: 'invite', id: rec.id, to: rec.peer, ct: rec.ct!, grant: rec.grant! });
      case 'accept':
        return send({ type: 'invite_accept', id: rec.id, grant: rec.responseGrant! });
      case 'decline':
        return send({ type: 'invite_decline', id: rec.id });
      default:
        return send({ type: 'invite_cancel', id: rec.id });
    }
  }

  private _me(): string {
    return this._ctx.identity().sessionId;
  }

  async send(peer: SessionId, displayName: string, message: string): Promise<InvitationRecord> {
    const ctx = this._ctx;
    if (peer === this._me()) throw new ProtocolError('INVITE_SELF');
    const rec = outgoingRecord(ctx, peer, displayName, message, ctx.runtime.now());
    await ctx.storage.putInvitation(rec);
    // Before the send: a listener sees the invitation queued, then its update once acknowledged.
    ctx.events.emit('invitation', rec);
    await this.flushOps();
    return rec;
  }

  /**
   * Asks every accepted contact whose grant to me lapsed for fresh grants (a phrase restored months
   * later): a re-invitation each, their lapsed grant as proof, on connect, not while one is pending
   * and no sooner than regrantPace.ts allows after unanswered ones (never again once declined or
   * refused for good). Their SDK accepts by itself; the accept gives both sides fresh grants as usual.
   */
  async regrantLapsed(): Promise<number> {
    const ctx = this._ctx;
    const now = ctx.runtime.now();
    const doc = await this._contacts.sync.doc();
    const due = regrantsDue(doc, now);
    if (due.length === 0) return 0;
    const b = new Batch(ctx);
    let n = 0;
    for (const { peer, proof } of regrantsToAsk(due, await ctx.storage.listInvitations(), now)) {
      // The box names me as an ordinary invitation would, for a contact who removed me meanwhile.
      const rec = outgoingRecord(ctx, peer as SessionId, doc.profile.displayName?.v ?? '', '', now);
      rec.renew = true;
      rec.proof = proof;
      b.putInvitation(rec);
      n++;
    }
    await b.commit();
    await this.flushOps();
    return n;
  }

  /** The earliest time regrantLapsed could ask someone, from the stored records (scheduledPass.ts). */
  async regrantCheckAt(now: number): Promise<number> {
    const doc = await this._contacts.sync.doc();
    return nextRegrantCheck(regrantCandidates(doc, now), await this._ctx.storage.listInvitations(), now);
  }

  /** accept / decline (incoming) and cancel (outgoing) of a pending invitation. */
  /** introduceAs (accept only): the name the inviter will know me by, sent once accepted. */
  async respond(id: string, op: Exclude<InvitationOp, 'invite'>, introduceAs?: string): Promise<InvitationRecord> {
    const ctx = this._ctx;
    const rec = await ctx.storage.getInvitation(id);
    if (!rec || rec.direction !== (op === 'cancel' ? 'outgoing' : 'incoming')) throw new ProtocolError('INVITE_NOT_FOUND', id);
    if (rec.status !== 'pending') throw new ProtocolError('INVITE_NOT_PENDING', `${id} is ${rec.status}`);
    if (op === 'accept') rec.responseGrant = createGrant(ctx.identity(), rec.peer as SessionId, ctx.runtime.now());
    if (op === 'accept' && introduceAs) rec.introduceAs = introduceAs;
    rec.pendingOp = op;
    rec.updatedAt = ctx.runtime.now();
    clearRetry(rec);
    await ctx.storage.putInvitation(rec);
    await this.flushOps();
    return rec;
  }

  /** Sends every request that is due and not already on its way on this socket (pending.ts). */
  flushOps(): Promise<void> {
    return this._engine.flush();
  }

  async onOk(frame: ServerFrames['ok']): Promise<boolean> {
    const rec = await this._ctx.storage.getInvitation(frame.ref);
    const op = OK_OPS[frame.op] ?? this._engine.inflight(frame.ref);
    if (!rec || !op) return false;
    const wasRetry = rec.opLastError !== undefined;
    if (rec.pendingOp !== op) {
      // Acknowledges an earlier request (the invite, say) while a later one (its cancel) waits.
      this._engine.answered(rec.id, true);
      return true;
    }
    this._settle(rec);
    this._engine.answered(rec.id, wasRetry);
    if (op === 'invite') await this._taken(rec);
    else await this._transition(rec, op === 'accept' ? 'accepted' : op === 'decline' ? 'declined' : 'cancelled');
    return true;
  }

  /** Still pending (the invitee has not answered), but no longer queued here: pendingOp is gone. */
  private async _taken(rec: InvitationRecord): Promise<void> {
    await this._ctx.storage.putInvitation(rec);
    this._ctx.events.emit('invitationUpdate', {
      id: rec.id,
      peer: rec.peer,
      direction: rec.direction,
      status: rec.status,
      invitation: rec,
    });
  }

  async onError(frame: ServerFrames['error']): Promise<boolean> {
    if (frame.ref === undefined) return false;
    const ctx = this._ctx;
    const rec = await ctx.storage.getInvitation(frame.ref);
    const op = this._engine.inflight(frame.ref) ?? rec?.pendingOp;
    if (!rec || !op) return false;
    const plan = this._engine.refused(rec.id, frame, { attempts: (rec.opAttempts ?? 0) + 1, lastError: rec.opLastError });
    if (plan) {
      rec.opAttempts = plan.attempts;
      rec.opLastError = plan.lastError;
      rec.opNextAt = plan.nextAttemptAt;
      await ctx.storage.putInvitation(rec);
      return true;
    }
    this._settle(rec);
    if (op === 'invite' && frame.code === 'INVITE_DUPLICATE') {
      // The server holds a pending invitation from my identity to this peer (the pair is its key):
      // this one, its ok lost with a socket, or another device's (two devices restored at once both
      // re-invite). Either way the invitation is pending, not failed; the outcome comes in an
      // update, for this id or the other one, and this record takes it (onUpdate).
      rec.duplicate = true;
      await this._taken(rec);
    } else if (op === 'invite') {
      await this._transition(rec, 'failed', undefined, frame.code);
    } else if (op === 'cancel' && frame.code === 'INVITE_NOT_FOUND') {
      await this._transition(rec, 'cancelled'); // it never reached the server
    } else {
      // Already accepted elsewhere, expired, …: the stream brings the real outcome. A renewal that
      // a sibling device accepted first is no error of anyone's.
      await ctx.storage.putInvitation(rec);
      if (!(rec.renew && frame.code === 'INVITE_NOT_PENDING')) report(ctx, errorFromFrame(frame));
    }
    return true;
  }

  /** The record's request is answered for good: nothing left to send or retry. */
  private _settle(rec: InvitationRecord): void {
    delete rec.pendingOp;
    clearRetry(rec);
    this._engine.answered(rec.id, false);
  }

  /** An `invitation` entry: one to me, or one I sent (from this or another of my devices). */
  async onInvitation(frame: ServerFrames['invitation']): Promise<void> {
    const ctx = this._ctx;
    const me = this._me();
    const incoming = frame.to === me;
    if (!incoming && frame.from !== me) return;
    const existing = await ctx.storage.getInvitation(frame.id);
    if (existing) {
      if (existing.expiresAt !== frame.expiresAt && existing.status === 'pending') {
        existing.expiresAt = frame.expiresAt;
        await ctx.storage.putInvitation(existing);
      }
      return;
    }
    const now = ctx.runtime.now();
    const base = { id: frame.id, status: 'pending' as const, createdAt: frame.ts, expiresAt: frame.expiresAt, updatedAt: now };
    let rec: InvitationRecord;
    if (incoming) {
      if (await this._contacts.isBlocked(frame.from)) return;
      let displayName: string;
      let message: string;
      try {
        ({ displayName, message } = openInvitationBox(ctx.identity(), frame));
      } catch (err) {
        report(ctx, err);
        return;
      }
      // No grant comes with it: the inviter's grant reaches me only once I accept.
      rec = { ...base, direction: 'incoming', peer: frame.from, displayName, message };
      if (frame.renew === true && (await this._contacts.settledStatus(frame.from)) === 'accepted') return this._renew(rec);
    } else {
      // Sent by another of my devices: sealed to the invitee, so the note is not readable here.
      rec = { ...base, direction: 'outgoing', peer: frame.to, ...(frame.renew === true && { renew: true }) };
    }
    await ctx.storage.putInvitation(rec);
    // A renewal of mine (from a sibling device) is nobody's business on this screen.
    if (!rec.renew) ctx.events.emit('invitation', rec);
  }

  /**
   * A re-invitation from someone my account document calls an accepted contact (the server checked
   * it carries my own grant to them): accepted at once, on whichever device hears it first, with no
   * request shown. A contact I removed gets an ordinary request instead, and a blocked one nothing.
   */
  private async _renew(rec: InvitationRecord): Promise<void> {
    const ctx = this._ctx;
    // Without the box's name: the one my document holds (from their profile) stays.
    const { displayName: _n, message: _m, ...rest } = rec;
    const renewed: InvitationRecord = {
      ...rest,
      renew: true,
      responseGrant: createGrant(ctx.identity(), rec.peer as SessionId, ctx.runtime.now()),
      pendingOp: 'accept',
    };
    await ctx.storage.putInvitation(renewed);
    await this.flushOps();
  }

  async onUpdate(frame: ServerFrames['invitation_update']): Promise<void> {
    const ctx = this._ctx;
    const me = this._me();
    const incoming = frame.to === me;
    if (!incoming && frame.from !== me) return;
    const now = ctx.runtime.now();
    const rec: InvitationRecord = (await ctx.storage.getInvitation(frame.id)) ?? {
      id: frame.id,
      direction: incoming ? 'incoming' : 'outgoing',
      peer: incoming ? frame.from : frame.to,
      status: 'pending',
      createdAt: frame.ts,
      expiresAt: frame.ts,
      updatedAt: now,
    };
    if (frame.status === 'accepted' && rec.status === 'accepted' && frame.grant) {
      // The accepting device heard `ok` first; the update brings the inviter's grant to it.
      if (rec.direction === 'incoming' ? rec.responseGrant : rec.grant) {
        await this._contacts.accepted(
          undefined,
          rec.peer,
          frame.grant,
          rec.direction === 'incoming' ? rec.responseGrant : rec.grant,
          rec.displayName,
        );
      }
      return;
    }
    if (frame.status === 'pending' || rec.status === frame.status || (rec.status !== 'pending' && rec.status !== 'failed')) return;
    this._settle(rec);
    await this._transition(rec, frame.status, frame.grant);
    if (!incoming) await this._followedBy(rec.peer, frame.id, frame.status);
  }

  /**
   * My invitation `id` to `peer` settled: records of mine refused as its duplicates take its outcome.
   * Only the status: the contact itself comes from `id`'s own record, which holds the grants.
   */
  private async _followedBy(peer: string, id: string, status: Exclude<InvitationRecord['status'], 'pending'>): Promise<void> {
    const ctx = this._ctx;
    const b = new Batch(ctx);
    for (const rec of await ctx.storage.listInvitations()) {
      if (rec.id === id || rec.peer !== peer || rec.direction !== 'outgoing' || !rec.duplicate || rec.status !== 'pending') continue;
      rec.status = status;
      rec.updatedAt = ctx.runtime.now();
      b.putInvitation(rec);
      b.emit('invitationUpdate', { id: rec.id, peer: rec.peer, direction: rec.direction, status, invitation: rec });
    }
    await b.commit();
  }

  /** The record's new status, with what it brings (a contact, my introduction) in one batch. */
  private async _transition(
    rec: InvitationRecord,
    status: Exclude<InvitationRecord['status'], 'pending'>,
    responseGrant?: InvitationRecord['grant'],
    reason?: string,
  ): Promise<void> {
    const ctx = this._ctx;
    rec.status = status;
    rec.updatedAt = ctx.runtime.now();
    if (reason === undefined) delete rec.reason;
    else rec.reason = reason;
    // An update's grant is the other party's grant to me: the accepter's (I invited) or the
    // inviter's (I accepted). What I granted stays where it is (rec.grant / rec.responseGrant).
    const theirs = responseGrant;
    if (theirs && rec.direction === 'outgoing') rec.responseGrant = theirs;
    // The invitation's outcome, the contact it makes and the profile to send: together or not at
    // all, so no accepted invitation is ever left without its contact.
    const b = new Batch(ctx);
    b.putInvitation(rec);
    let introduced = false;
    if (status === 'accepted') {
      // A contact needs their grant to me, signed by them. On the invitee's side only the device
      // that accepted takes it from the update (its own act); my other devices get the contact
      // from the account document, so a server cannot turn an invitation I never accepted into one.
      if (rec.direction === 'outgoing') await this._contacts.accepted(b, rec.peer, theirs ?? rec.responseGrant, rec.grant);
      else if (rec.responseGrant) await this._contacts.accepted(b, rec.peer, theirs, rec.responseGrant, rec.displayName);
      if (rec.introduceAs) {
        // Only now: before the accept is through, the server would refuse it (NO_GRANT).
        const body = JSON.stringify({ t: 'profile', displayName: rec.introduceAs, at: ctx.runtime.now() });
        this._outbox.enqueue(b, { id: randomId(), to: rec.peer, kind: 'profile', body });
        introduced = true;
      }
    }
    const ev = { id: rec.id, peer: rec.peer, direction: rec.direction, status, invitation: rec };
    b.emit('invitationUpdate', reason === undefined ? ev : { ...ev, reason });
    await b.commit();
    if (introduced) await this._outbox.flush();
  }

  /** The server lost its memory: my pending invitations go again (same id, same grant). */
  async resendPending(): Promise<void> {
    await this._engine.requeue();
  }

  stop(): void {
    this._engine.stop();
  }
}
