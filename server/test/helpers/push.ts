// Web Push test helpers: a relay with VAPID keys that may reach the local test push service, a
// device subscribing over its socket, and /metrics read as numbers.
import webpush from 'web-push';
import type { Config } from '../../src/config.ts';
import type { TestSubscription } from '../../../testkit/pushService.ts';
import type { RawClient } from './rawClient.ts';
import { scrapeMetrics } from '../../../testkit/net.ts';

export const VAPID = webpush.generateVAPIDKeys();

/** Config of a relay that pushes to the local test push service; every push at once (no window). */
export function pushConfig(extra: Partial<Config> = {}): Partial<Config> {
  return {
    vapidPublicKey: VAPID.publicKey,
    vapidPrivateKey: VAPID.privateKey,
    vapidSubject: 'mailto:ops@relay.test',
    pushAllowPrivate: true,
    pushCoalesceMs: 0,
    ...extra,
  };
}

/** Registers sub for c's device and waits for the server's ok. */
export async function subscribe(c: RawClient, sub: Pick<TestSubscription, 'endpoint' | 'p256dh' | 'auth'>): Promise<void> {
  c.send({ type: 'push_subscribe', endpoint: sub.endpoint, p256dh: sub.p256dh, auth: sub.auth });
  const f = await c.next((x) => (x.type === 'ok' || x.type === 'error') && x.ref === 'push_subscribe');
  if (f.type === 'error') throw new Error(`${f.code}: ${f.message}`);
}

/** The value of one sample in /metrics ("name" or 'name{label="v"}'), 0 when absent. */
export async function metric(httpUrl: string, sample: string): Promise<number> {
  const text = await scrapeMetrics(httpUrl);
  for (const line of text.split('\n')) {
    if (line.startsWith(`sm_${sample} `)) return Number(line.slice(sample.length + 4));
  }
  return 0;
}

/** Polls until cond holds (no fixed sleeps in tests). */
export async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function items(payload: Buffer): { k: string; id: string; ct?: string; from?: string; peer?: string; status?: string }[] {
  return (JSON.parse(payload.toString()) as { items: ReturnType<typeof items> }).items;
}
