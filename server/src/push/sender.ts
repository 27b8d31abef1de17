// One push to one subscription through web-push (RFC 8291 aes128gcm, RFC 8292 VAPID), reduced to
// an outcome the queue acts on. Never throws.
import type https from 'node:https';
import webpush from 'web-push';
import type { PushSubscriptionRecord } from '../store/types.ts';
import { PlainTcpAgent, publicAgent } from './endpoint.ts';
import type { VapidKeys } from './vapid.ts';

export type PushOutcome =
  /** 201 (or any 2xx): the push service took it. */
  | 'sent'
  /** 404/410: the subscription is gone; dropped. */
  | 'gone'
  /** 429: back off (Retry-After honoured). */
  | 'rate_limited'
  /** 5xx: back off and retry. */
  | 'server_error'
  /** Another 4xx (400 bad request, 403 VAPID mismatch, 413 too large): dropped, logged. */
  | 'rejected'
  | 'timeout'
  /** Connection refused, reset, DNS failure, a non-public address at connect time. */
  | 'network';

export interface SendResult {
  readonly outcome: PushOutcome;
  readonly status?: number;
  readonly retryAfterMs?: number;
  /** A short, content-free reason for the log. */
  readonly detail?: string;
}

export interface SendOptions {
  readonly ttlSec: number;
  readonly urgency: 'very-low' | 'low' | 'normal' | 'high';
  readonly topic?: string;
}

/** Retry-After: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  if (/^\d{1,9}$/.test(v.trim())) return Number(v.trim()) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export class PushSender {
  private readonly secure: https.Agent;
  private readonly plain: https.Agent | undefined;

  constructor(
    private readonly vapid: VapidKeys,
    private readonly timeoutMs: number,
    maxSockets: number,
    allowPrivate: boolean,
  ) {
    this.secure = publicAgent(maxSockets);
    this.plain = allowPrivate ? new PlainTcpAgent({ keepAlive: true, maxSockets }) : undefined;
  }

  async send(sub: PushSubscriptionRecord, payload: Buffer | null, opts: SendOptions): Promise<SendResult> {
    const agent = sub.endpoint.startsWith('http:') ? this.plain : this.secure;
    if (agent === undefined) return { outcome: 'rejected', detail: 'http endpoint' };
    try {
      const res = await webpush.sendNotification({ endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } }, payload, {
        vapidDetails: { subject: this.vapid.subject, publicKey: this.vapid.publicKey, privateKey: this.vapid.privateKey },
        TTL: opts.ttlSec,
        urgency: opts.urgency,
        ...(opts.topic ? { topic: opts.topic } : {}),
        contentEncoding: 'aes128gcm',
        agent,
        timeout: this.timeoutMs,
      });
      return { outcome: 'sent', status: res.statusCode };
    } catch (err) {
      if (err instanceof webpush.WebPushError) {
        const status = err.statusCode;
        const after = retryAfterMs(err.headers?.['retry-after'], Date.now());
        const base = { status, ...(after !== undefined ? { retryAfterMs: after } : {}) };
        if (status === 404 || status === 410) return { outcome: 'gone', ...base };
        if (status === 429) return { outcome: 'rate_limited', ...base };
        if (status >= 500) return { outcome: 'server_error', ...base };
        return { outcome: 'rejected', ...base, detail: `status ${status}` };
      }
      const e = err as NodeJS.ErrnoException;
      if (e?.message === 'Socket timeout' || e?.code === 'ETIMEDOUT') return { outcome: 'timeout' };
      return { outcome: 'network', detail: e?.code ?? 'error' };
    }
  }

  close(): void {
    this.secure.destroy();
    this.plain?.destroy();
  }
}
