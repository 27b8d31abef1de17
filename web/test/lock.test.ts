// @vitest-environment happy-dom
// The app lock, web side, on the real IndexedDbStorage (fake-indexeddb: Node has no IndexedDB):
// the delay after wrong passphrases (an injected clock, no waiting), kept across a reload, and a
// locked boot that draws nothing from storage.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbStorage } from '../../client/indexedDbStorage.ts';
import type { KdfParams } from '../../client/lockedStorage.ts';
import { AppModel } from '../src/models/app.ts';
import { LockSettingsModel, lockDelayMs, UnlockModel } from '../src/models/lock.ts';
import { Prefs } from '../src/models/prefs.ts';
import { engine, memoryKeyValue } from './helpers.ts';

const KDF: KdfParams = { alg: 'scrypt', N: 2 ** 10, r: 8, p: 1 };
const A = '05' + 'a'.repeat(64);

async function lockedDb(name: string): Promise<void> {
  const s = await IndexedDbStorage.open({ name });
  await s.setIdentity({ entropy: new Uint8Array(16).fill(3), deviceId: 'd'.repeat(32), createdAt: 1 });
  await s.putConversation({ peer: A, lastSeq: 1, unread: 2 });
  const settings = new LockSettingsModel({ store: s, kdf: KDF });
  expect(await settings.turnOn()).toBe(false); // no passphrase typed
  settings.setDraft('hunter22');
  settings.setConfirm('hunter22');
  expect(await settings.turnOn()).toBe(true);
  s.close();
}

function unlock(store: IndexedDbStorage, clock: { t: number }, unlocked: () => void = () => undefined) {
  return new UnlockModel({ store, unlocked, forget: async () => undefined, now: () => clock.t });
}

describe('app lock (web)', () => {
  it('doubles the delay after each wrong passphrase, keeps it across a reload, and opens with the right one', async () => {
    const name = 'web-lock-delay';
    await lockedDb(name);
    const clock = { t: 1_000_000 };
    let s = await IndexedDbStorage.open({ name });
    let m = unlock(s, clock);
    await m.load();
    expect(m.waitSeconds.value).toBe(0);

    m.setPassphrase('wrong');
    expect(await m.submit()).toBe(false);
    expect(m.error.value).toMatch(/Wrong passphrase/);
    expect(m.waitSeconds.value).toBe(1);
    // Too early: refused without even trying the passphrase.
    m.setPassphrase('hunter22');
    expect(await m.submit()).toBe(false);
    expect(m.error.value).toMatch(/Try again in 1 s/);
    expect(s.locked).toBe(true);

    clock.t += 1000;
    m.setPassphrase('wrong again');
    expect(await m.submit()).toBe(false);
    expect(m.waitSeconds.value).toBe(2);
    m.dispose();
    s.close();

    // A reload: the same wait, from storage.
    s = await IndexedDbStorage.open({ name });
    m = unlock(s, clock);
    await m.load();
    expect(m.waitSeconds.value).toBe(2);
    clock.t += 2000;
    m.tick();
    expect(m.waitSeconds.value).toBe(0);
    let opened = 0;
    m.dispose();
    m = unlock(s, clock, () => void opened++);
    await m.load();
    m.setPassphrase('hunter22');
    expect(await m.submit()).toBe(true);
    expect(opened).toBe(1);
    expect(s.locked).toBe(false);
    expect((await s.getConversation(A))!.unread).toBe(2);
    expect((await s.getLockAttempts())!.failures).toBe(0);
    m.dispose();
    s.close();
    await IndexedDbStorage.destroy(name);
  });

  it('grows to a cap', () => {
    expect([0, 1, 2, 3, 4].map(lockDelayMs)).toEqual([0, 1000, 2000, 4000, 8000]);
    expect(lockDelayMs(40)).toBe(15 * 60_000);
  });

  it('a locked boot shows the lock, reads no preview and starts no client; unlocking starts it', async () => {
    const name = 'web-lock-boot';
    await lockedDb(name);
    const storage = await IndexedDbStorage.open({ name });
    const prefs = new Prefs(memoryKeyValue());
    const app = new AppModel({
      loadEngine: engine,
      openStorage: async () => ({ storage, lock: storage, destroy: async () => undefined }),
      url: 'ws://127.0.0.1:9/ws',
      prefs,
      clientOptions: { network: null },
    });
    await app.boot();
    expect(app.phase.value).toBe('locked');
    expect(app.preview.value).toBeNull();
    expect(() => app.client).toThrow();
    const m = new UnlockModel({ store: storage, unlocked: () => app.unlocked(), forget: () => app.wipe() });
    m.setPassphrase('hunter22');
    expect(await m.submit()).toBe(true);
    expect(app.phase.value).toBe('onboarding'); // prefs here never saw it onboarded
    expect([...(await storage.getIdentity())!.entropy]).toEqual(new Array(16).fill(3));
    m.dispose();
    app.dispose();
    storage.close();
    await IndexedDbStorage.destroy(name);
  });

  it('turning it off needs the passphrase and leaves the storage unlocked after a reload', async () => {
    const name = 'web-lock-off';
    await lockedDb(name);
    const s = await IndexedDbStorage.open({ name });
    const m = unlock(s, { t: 0 });
    m.setPassphrase('hunter22');
    expect(await m.submit()).toBe(true);
    const settings = new LockSettingsModel({ store: s, kdf: KDF });
    settings.setDraft('not it');
    expect(await settings.turnOff()).toBe(false);
    expect(settings.error.value).toBe('Wrong passphrase.');
    settings.setDraft('hunter22');
    expect(await settings.turnOff()).toBe(true);
    s.close();
    const again = await IndexedDbStorage.open({ name });
    expect(again.locked).toBe(false);
    expect((await again.getConversation(A))!.unread).toBe(2);
    again.close();
    m.dispose();
    await IndexedDbStorage.destroy(name);
  });
});
