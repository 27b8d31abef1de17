// Web Push as the person sees it: notifications while Session is closed, and how much they say.
// Subscribing needs permission, which is asked only from a click (NotificationsModel.enable); once
// granted, this model subscribes the browser with the relay's VAPID key and registers the
// subscription with the relay, and does so again at each start (a relay that forgot it, a key
// that changed). On iOS a web page gets no push at all until it is installed to the home screen
// (iOS 16.4+): the model says so instead of offering a switch that cannot work.
import { signal } from '@preact/signals';
import type { Client } from '../api.ts';
import { describeError } from '../lib/errors.ts';
import { clearNotifyPrefs, DEFAULT_NOTIFY_LEVEL, readNotifyLevel, writeNotifyLevel, type NotifyLevel } from '../lib/notifyLevel.ts';
import { attempt } from './_attempt.ts';
import { Disposable } from './_disposable.ts';

export type PushState =
  /** No Push API here (an older browser, a private window). */
  | 'unsupported'
  /** iPhone/iPad in a browser tab: install to the home screen first. */
  | 'needs-install'
  /** The relay sends no push (no VAPID keys). */
  | 'unavailable'
  | 'off'
  | 'on';

/** What the model needs of the platform; the browser's by default. */
export interface PushPlatform {
  readonly supported: boolean;
  readonly needsInstall: boolean;
  registration(): Promise<ServiceWorkerRegistration | undefined>;
}

export function browserPushPlatform(): PushPlatform {
  const nav = globalThis.navigator as (Navigator & { standalone?: boolean }) | undefined;
  const ios = nav !== undefined && (/iPad|iPhone|iPod/.test(nav.userAgent) || (nav.platform === 'MacIntel' && nav.maxTouchPoints > 1));
  const standalone = nav?.standalone === true || globalThis.matchMedia?.('(display-mode: standalone)').matches === true;
  const supported = nav !== undefined && 'serviceWorker' in nav && 'PushManager' in globalThis;
  return {
    supported,
    needsInstall: ios && !standalone,
    registration: async () => (supported ? ((await nav!.serviceWorker.getRegistration().catch(() => undefined)) ?? undefined) : undefined),
  };
}

function keyBytes(b64url: string): Uint8Array {
  const s = b64url.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  const bin = atob(s + '='.repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export class PushModel extends Disposable {
  readonly level = signal<NotifyLevel>(DEFAULT_NOTIFY_LEVEL);
  readonly state = signal<PushState>('off');
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);
  private readonly _p: PushPlatform;

  constructor(
    private readonly _client: Client,
    platform?: PushPlatform,
  ) {
    super();
    this._p = platform ?? browserPushPlatform();
    void readNotifyLevel().then((l) => (this.level.value = l));
    this.state.value = this._p.needsInstall ? 'needs-install' : this._p.supported ? 'off' : 'unsupported';
  }

  async setLevel(level: NotifyLevel): Promise<void> {
    this.level.value = level;
    try {
      await writeNotifyLevel(level);
    } catch (err) {
      this.error.value = describeError(err);
    }
  }

  /** At start (connected): a subscription this browser holds is registered again. */
  async resume(): Promise<void> {
    if (this.state.value !== 'off' && this.state.value !== 'on') return;
    const sub = await (await this._p.registration())?.pushManager.getSubscription().catch(() => null);
    if (!sub) return;
    try {
      await this._client.registerPush(sub.toJSON() as never);
      this.state.value = 'on';
    } catch (err) {
      this.error.value = describeError(err);
    }
  }

  /** After permission was granted (from a click): subscribe this browser and tell the relay. */
  async subscribe(): Promise<void> {
    if (this.state.value === 'needs-install' || this.state.value === 'unsupported') return;
    const key = this._client.pushPublicKey;
    if (key === undefined) {
      this.state.value = 'unavailable';
      return;
    }
    this.error.value = null;
    await attempt(this.busy, this.error, async () => {
      const reg = await this._p.registration();
      if (!reg) throw new Error('the service worker is not ready yet; try again in a moment');
      const sub =
        (await reg.pushManager.getSubscription()) ??
        (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) as BufferSource }));
      await this._client.registerPush(sub.toJSON() as never);
      this.state.value = 'on';
    });
  }

  /** Notifications while closed off: the browser forgets the subscription, the relay too. */
  async unsubscribe(): Promise<void> {
    await attempt(this.busy, this.error, async () => {
      const sub = await (await this._p.registration())?.pushManager.getSubscription();
      await sub?.unsubscribe();
      await this._client.unregisterPush();
      this.state.value = 'off';
    });
  }

  /** Wipe: nothing of this identity may keep waking the device. */
  async forget(): Promise<void> {
    const sub = await (await this._p.registration())?.pushManager.getSubscription().catch(() => null);
    await sub?.unsubscribe().catch(() => undefined);
    // Bounded: offline, the relay is told at the next connect, which a wiped device never makes.
    await Promise.race([this._client.unregisterPush().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    await clearNotifyPrefs().catch(() => undefined);
  }
}
