// Opened over plain http from another device (a phone on the LAN), the page has no secure context:
// the browser withholds the service worker (offline), install, the clipboard and notifications.
// The person is told once, with what it costs; dismissing it is remembered on this device.
import { signal, type Signal } from '@preact/signals';
import { defaultKeyValue, type KeyValue } from './prefs.ts';

const DISMISSED_KEY = 'sm.insecureDismissed';

/** What the browser withholds from a page without a secure context (shown to the person). */
export const INSECURE_COSTS = ['works offline', 'install as an app', 'copy to clipboard', 'notifications'] as const;

export interface SecureContextDeps {
  /** window.isSecureContext (true on https and on http://localhost). */
  readonly secure?: boolean;
  readonly kv?: KeyValue;
}

export class SecureContextNotice {
  readonly shown: Signal<boolean>;
  private readonly _kv: KeyValue;

  constructor(d: SecureContextDeps = {}) {
    this._kv = d.kv ?? defaultKeyValue();
    const secure = d.secure ?? globalThis.isSecureContext !== false;
    this.shown = signal(!secure && this._kv.getItem(DISMISSED_KEY) !== '1');
  }

  dismiss(): void {
    this.shown.value = false;
    this._kv.setItem(DISMISSED_KEY, '1');
  }
}
