// The service worker, as the person sees it: registered from app code (no inline script), and a
// new version is never forced on them — it waits ('prompt') until they press "Update", which sends
// the worker the explicit SKIP_WAITING message; the page reloads once the new worker controls it.
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';

interface WorkboxLike {
  addEventListener(type: 'waiting' | 'controlling', fn: (e: { isUpdate?: boolean }) => void): void;
  register(): Promise<unknown>;
  messageSkipWaiting(): void;
}

export class UpdateModel extends Disposable {
  readonly available = signal(false);
  readonly registered = signal(false);
  private _wb: WorkboxLike | undefined;
  private _applying = false;

  /** Registers /sw.js. Skipped where there is no service worker (tests, insecure origins). */
  async register(
    load: () => Promise<new (url: string, opts?: RegistrationOptions) => WorkboxLike> = async () =>
      (await import('workbox-window')).Workbox,
  ): Promise<void> {
    if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
    const Workbox = await load();
    // updateViaCache 'none': the imported sw-notifications.js is checked for updates like sw.js itself.
    const wb = new Workbox('/sw.js', { updateViaCache: 'none' });
    this._wb = wb;
    wb.addEventListener('waiting', () => {
      if (!this.disposed) this.available.value = true;
    });
    wb.addEventListener('controlling', (e) => {
      if (this._applying && e.isUpdate) location.reload();
    });
    await wb.register();
    this.registered.value = true;
  }

  apply(): void {
    if (!this._wb) return;
    this._applying = true;
    this._wb.messageSkipWaiting();
  }

  later(): void {
    this.available.value = false;
  }
}
