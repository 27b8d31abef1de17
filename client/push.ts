// Web Push registration (docs/client.md "Push"): the app hands over the browser's
// PushSubscription; this part sends it on every authenticated socket (push_subscribe after each
// ready, which also renews it on a server that forgot it) until the app removes it. The VAPID key
// the browser needs to subscribe comes from the server's hello.
import { ProtocolError, type ServerFrames } from '../protocol/index.ts';
import { errorFromFrame } from './connection.ts';
import type { ClientContext } from './context.ts';

/** What PushSubscription.toJSON() gives (keys base64url). */
export interface PushSubscriptionInput {
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

type Op = 'push_subscribe' | 'push_unsubscribe';
type Waiter = { resolve: () => void; reject: (e: Error) => void };

export class PushRegistration {
  /** undefined: nothing to say; a subscription: keep it registered; null: keep it removed. */
  private _wanted: { endpoint: string; p256dh: string; auth: string } | null | undefined;
  private _vapidKey: string | undefined;
  private readonly _waiters: Record<Op, Waiter[]> = { push_subscribe: [], push_unsubscribe: [] };

  constructor(private readonly _ctx: ClientContext) {}

  /** The server's VAPID public key (base64url) from the latest hello; undefined: it sends no push. */
  get vapidKey(): string | undefined {
    return this._vapidKey;
  }

  /** Registers sub for this device; resolves when the server has it (after the next connect if offline). */
  register(sub: PushSubscriptionInput): Promise<void> {
    const { endpoint, keys } = sub ?? ({} as PushSubscriptionInput);
    if (typeof endpoint !== 'string' || !/^https?:\/\/\S+$/.test(endpoint) || endpoint.length > 1024)
      throw new TypeError('push subscription: endpoint must be an http(s) URL of at most 1024 characters');
    if (typeof keys?.p256dh !== 'string' || typeof keys.auth !== 'string')
      throw new TypeError('push subscription: keys.p256dh and keys.auth are required (PushSubscription.toJSON())');
    this._wanted = { endpoint, p256dh: keys.p256dh, auth: keys.auth };
    return this._request('push_subscribe');
  }

  /** Removes this device's subscription on the server (notifications off, device wiped). */
  unregister(): Promise<void> {
    this._wanted = null;
    return this._request('push_unsubscribe');
  }

  /** A fresh ready: learn the key, say again what this device wants. */
  onReady(hello: ServerFrames['hello']): void {
    this._vapidKey = hello.vapidKey;
    if (this._wanted !== undefined) this._send(this._wanted === null ? 'push_unsubscribe' : 'push_subscribe');
  }

  onOk(frame: ServerFrames['ok']): boolean {
    if (frame.ref !== 'push_subscribe' && frame.ref !== 'push_unsubscribe') return false;
    for (const w of this._waiters[frame.ref].splice(0)) w.resolve();
    // Removed for good: nothing to repeat on the next socket.
    if (frame.ref === 'push_unsubscribe' && this._wanted === null) this._wanted = undefined;
    return true;
  }

  onError(frame: ServerFrames['error']): boolean {
    if (frame.ref !== 'push_subscribe' && frame.ref !== 'push_unsubscribe') return false;
    const err = errorFromFrame(frame);
    // A refusal that will not change (bad endpoint, no push on this server) is not repeated at each connect.
    if (!(err instanceof ProtocolError && err.retryable)) this._wanted = undefined;
    for (const w of this._waiters[frame.ref].splice(0)) w.reject(err);
    return true;
  }

  private _request(op: Op): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this._waiters[op].push({ resolve, reject }));
    if (this._ctx.connected()) this._send(op);
    return done;
  }

  private _send(op: Op): void {
    const w = this._wanted;
    if (op === 'push_unsubscribe') this._ctx.send({ type: 'push_unsubscribe' });
    else if (w) this._ctx.send({ type: 'push_subscribe', endpoint: w.endpoint, p256dh: w.p256dh, auth: w.auth });
  }
}
