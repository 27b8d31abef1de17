// Where server frames meet the client's parts: the auth frame, the ready handling (resume, epoch
// change, re-subscriptions, flushes) and the routing of every later frame. Runs inside the queue.
import {
  signAuthFrame,
  unsignedAuthFrame,
  type ClientFrame,
  type ClientFrames,
  type ServerFrame,
  type ServerFrames,
} from '../protocol/index.ts';
import type { Attachments } from './attachments.ts';
import { packAuth } from './authPack.ts';
import { errorFromFrame, type ReadyInfo } from './connection.ts';
import type { Contacts } from './contacts.ts';
import { report, type ClientContext } from './context.ts';
import type { Invitations } from './invitations.ts';
import type { Messages } from './messages.ts';
import type { Outbox } from './outbox.ts';
import type { Presence } from './presence.ts';
import type { PushRegistration } from './push.ts';
import type { ScheduledPass } from './scheduledPass.ts';
import type { Stream } from './stream.ts';

export interface Parts {
  readonly outbox: Outbox;
  readonly contacts: Contacts;
  readonly presence: Presence;
  readonly messages: Messages;
  readonly invitations: Invitations;
  readonly renewals: ScheduledPass;
  readonly regrants: ScheduledPass;
  readonly stream: Stream;
  readonly attachments: Attachments;
  readonly push: PushRegistration;
}

/** One entry per server frame type: a frame type added to protocol/ without one fails to compile. */
export type FrameHandlers = { [K in ServerFrame['type']]: (frame: ServerFrames[K], gen: number) => Promise<void> | void };

export class Dispatcher {
  /** Revocations and grants that did not fit in the last auth frame: sent first after its ready. */
  private _afterReady: ClientFrame[] = [];

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _p: Parts,
  ) {}

  /** The auth v2 frame for this hello, signed for the origin of the URL this socket dialled. */
  async auth(
    hello: Pick<ServerFrames['hello'], 'nonce' | 'epoch' | 'limits'>,
    url: string,
    deviceId: string,
  ): Promise<ClientFrames['auth']> {
    const { storage } = this._ctx;
    await this._p.stream.save(); // entries stored under the last socket: resume after them
    const cursor = await storage.getCursor();
    // Everything I hold; packAuth decides what rides in auth and what follows ready.
    const { grants, revocations } = await this._p.contacts.authMaterial(Number.MAX_SAFE_INTEGER);
    const hidePresence = !this._ctx.settings().sharePresence;
    const identity = this._ctx.identity();
    const full = unsignedAuthFrame({ identity, deviceId, nonce: hello.nonce, url, resume: cursor, grants, revocations, hidePresence });
    // Signed after packing: the signature covers exactly the grants and revocations that travel.
    const { auth, after } = packAuth(full, hello.limits);
    this._afterReady = after;
    return signAuthFrame(auth, hello.epoch, identity);
  }

  /** A fresh ready on socket gen. Returns whether the server's epoch changed (it lost its memory). */
  async onReady({ hello, ready, gen }: ReadyInfo): Promise<boolean> {
    const { storage } = this._ctx;
    const p = this._p;
    const stored = await storage.getCursor();
    const changed = !ready.resumed && stored !== undefined && stored.epoch !== ready.epoch;
    const cursor = ready.resumed && stored ? stored : { epoch: ready.epoch, offset: 0 };
    if (!ready.resumed) await storage.setCursor(cursor);
    p.stream.reset(gen, cursor);
    p.push.onReady(hello);
    // Before anything that needs them (presence_sub, sends): the server handles frames in order.
    for (const f of this._afterReady.splice(0)) this._ctx.send(f);
    for (const r of ready.grantsRejected)
      report(this._ctx, new Error(`${r.code}: the server refused the grant from ${r.from.slice(0, 8)}…`));
    if (changed) {
      // docs/protocol.md: re-send everything not seen delivered, with the same ids.
      await p.outbox.requeueUndelivered();
      await p.invitations.resendPending();
    }
    await p.outbox.prune(hello.limits.mailboxTtlMs);
    await p.contacts.onReady();
    // Both wait for the account document: a block made on another device must be known before a
    // renewal, and the contacts whose grants all lapsed (a phrase restored months later) are the
    // document's. Now, then on schedule while this socket lasts.
    void p.contacts.sync.whenFetched().then(() => {
      if (!p.contacts.sync.fetched || this._ctx.gen() !== gen) return;
      p.renewals.start();
      p.regrants.start();
    });
    p.presence.subscribe(await p.contacts.reachable());
    await p.invitations.flushOps();
    await p.outbox.flush();
    return changed;
  }

  /** Routes one frame. A stream entry is acknowledged only after its handler has stored it. */
  onFrame(frame: ServerFrame, gen: number): Promise<void> | void {
    return (this._handlers[frame.type] as (f: ServerFrame, gen: number) => Promise<void> | void)(frame, gen);
  }

  private readonly _handlers: FrameHandlers = {
    // The connection state machine consumes these before they reach the dispatcher.
    hello: () => {},
    ready: () => {},
    pong: () => {},
    envelope: async (frame, gen) => {
      await this._p.messages.onEnvelope(frame);
      await this._p.stream.processed(gen, frame.offset);
    },
    delivered: async (frame, gen) => {
      await this._p.outbox.onDelivered(frame);
      await this._p.stream.processed(gen, frame.offset);
    },
    invitation: async (frame, gen) => {
      await this._p.invitations.onInvitation(frame);
      await this._p.stream.processed(gen, frame.offset);
    },
    invitation_update: async (frame, gen) => {
      await this._p.invitations.onUpdate(frame);
      await this._p.stream.processed(gen, frame.offset);
    },
    sent: async (frame, gen) => {
      await this._p.outbox.onSent(frame);
      // A copy to my own Session ID is an entry of my stream that this socket is not sent.
      if (frame.to === this._ctx.identity().sessionId && frame.offset !== undefined) await this._p.stream.ownEntry(gen, frame.offset);
    },
    ok: async (frame) => {
      if (this._p.push.onOk(frame)) return;
      await this._p.invitations.onOk(frame);
    },
    presence: (frame) => this._p.presence.onPresence(frame),
    blob_token: (frame) => this._p.attachments.onToken(frame),
    // ---- account document: merged beside the queue (messengerClient.ts); here only if routed so ----
    account: async (frame) => void (await this._p.contacts.sync.onAccount(frame)),
    account_changed: (frame) => this._p.contacts.sync.onChanged(frame),
    error: async (frame) => {
      if (this._p.contacts.sync.onError(frame.ref)) return report(this._ctx, errorFromFrame(frame));
      if (
        this._p.attachments.onError(frame) ||
        this._p.push.onError(frame) ||
        (await this._p.outbox.onError(frame)) ||
        (await this._p.invitations.onError(frame))
      )
        return;
      this._p.presence.onError(frame);
      report(this._ctx, errorFromFrame(frame));
    },
  };
}
