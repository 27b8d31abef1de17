// Small, non-secret preferences of this install, in localStorage (the SDK's Storage holds
// everything else): my display name, whether onboarding finished, the notification prompt.
import { signal, type Signal } from '@preact/signals';

export interface KeyValue {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEYS = {
  displayName: 'sm.displayName',
  onboardedId: 'sm.onboardedId',
  notifyDismissed: 'sm.notifyDismissed',
} as const;

function memoryKeyValue(): KeyValue {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

export function defaultKeyValue(): KeyValue {
  try {
    const ls = globalThis.localStorage;
    if (ls) return ls;
  } catch {
    // Storage access can throw (blocked cookies): fall back to memory for this visit.
  }
  return memoryKeyValue();
}

/** My display name's limit, the SDK's (client/messengerClient.ts checkText 'displayName'). */
export const MAX_NAME = 128;

export class Prefs {
  readonly displayName: Signal<string>;
  /** The Session ID whose onboarding (phrase confirmed) finished on this device. */
  readonly onboardedId: Signal<string>;
  readonly notifyDismissed: Signal<boolean>;

  constructor(private readonly _kv: KeyValue = defaultKeyValue()) {
    this.displayName = signal(_kv.getItem(KEYS.displayName) ?? '');
    this.onboardedId = signal(_kv.getItem(KEYS.onboardedId) ?? '');
    this.notifyDismissed = signal(_kv.getItem(KEYS.notifyDismissed) === '1');
  }

  setDisplayName(name: string): void {
    const v = name.trim().slice(0, MAX_NAME);
    this.displayName.value = v;
    this._kv.setItem(KEYS.displayName, v);
  }

  setOnboarded(sessionId: string): void {
    this.onboardedId.value = sessionId;
    this._kv.setItem(KEYS.onboardedId, sessionId);
  }

  dismissNotifyPrompt(): void {
    this.notifyDismissed.value = true;
    this._kv.setItem(KEYS.notifyDismissed, '1');
  }

  clear(): void {
    for (const k of Object.values(KEYS)) this._kv.removeItem(k);
    this.displayName.value = '';
    this.onboardedId.value = '';
    this.notifyDismissed.value = false;
  }
}
