// @vitest-environment happy-dom
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../client/index.ts';
import { AppModel } from '../src/models/app.ts';
import { OnboardingModel } from '../src/models/onboarding.ts';
import { SettingsModel } from '../src/models/settings.ts';
import { engine, eventually, fakeNotifier, memoryKeyValue, server } from './helpers.ts';
import { Prefs } from '../src/models/prefs.ts';

async function app(url: string, storage = new MemoryStorage(), kv = memoryKeyValue()) {
  let destroyed = 0;
  const a = new AppModel({
    loadEngine: engine,
    openStorage: async () => ({ storage, destroy: async () => void (destroyed++, await storage.clear()) }),
    url,
    prefs: new Prefs(kv),
    notifier: fakeNotifier(),
    clientOptions: { WebSocket, network: null },
  });
  return { a, storage, kv, destroyed: () => destroyed };
}

describe('AppModel', () => {
  it('boots into onboarding, then the chats once the phrase is confirmed; a reload goes straight to the chats', async () => {
    const srv = await server();
    const { a, storage, kv } = await app(srv.url);
    await a.boot();
    expect(a.phase.value).toBe('onboarding');
    const o = new OnboardingModel({ client: a.client, engine: a.engine, prefs: a.prefs, done: () => a.startSession(), random: () => 0 });
    await o.create();
    o.showPhrase();
    o.startConfirm();
    for (const [i, pos] of o.challenge.value.entries()) o.setAnswer(i, o.words.value[pos]!);
    expect(o.confirm()).toBe(true);
    expect(a.phase.value).toBe('main');
    const s = a.session.value!;
    expect(s.me).toBe(a.client.sessionId);
    await eventually(() => s.connection.state.value === 'connected', 'connected');
    a.dispose();

    // Same storage and prefs: a reload.
    const again = await app(srv.url, storage, kv);
    await again.a.boot();
    expect(again.a.phase.value).toBe('main');
    expect(again.a.session.value!.me).toBe(s.me);
    again.a.dispose();
  });

  it('stays in onboarding after a reload when the phrase was never confirmed', async () => {
    const srv = await server();
    const { a, storage, kv } = await app(srv.url);
    await a.boot();
    await a.client.createIdentity();
    a.dispose();
    const again = await app(srv.url, storage, kv);
    await again.a.boot();
    expect(again.a.phase.value).toBe('onboarding');
    again.a.dispose();
  });

  it('wipes this device back to onboarding, behind the settings confirm', async () => {
    const srv = await server();
    const { a, storage, destroyed } = await app(srv.url);
    await a.boot();
    await a.client.createIdentity();
    a.prefs.setOnboarded(a.client.sessionId!);
    a.prefs.setDisplayName('Ada');
    a.startSession();
    const s = a.session.value!;
    const settings = new SettingsModel({ client: s.client, prefs: s.prefs, privacy: s.privacy, wipe: () => a.wipe() });

    // The phrase only after the confirm.
    expect(settings.phrase.value).toBeNull();
    settings.askPhrase();
    expect(settings.phraseConfirm.value).toBe(true);
    settings.revealPhrase();
    expect(settings.phrase.value!.split(' ')).toHaveLength(12);

    // Privacy toggles go through the SDK and are stored.
    await settings.toggle('sendReadReceipts');
    expect(s.privacy.value.sendReadReceipts).toBe(false);
    expect((await storage.getSettings())?.sendReadReceipts).toBe(false);

    settings.askWipe();
    await settings.wipe();
    expect(destroyed()).toBe(1);
    expect(a.phase.value).toBe('onboarding');
    expect(a.session.value).toBeNull();
    expect(s.disposed).toBe(true);
    expect(await storage.getIdentity()).toBeUndefined();
    expect(a.prefs.displayName.value).toBe('');
    expect(a.client.hasIdentity).toBe(false);
    a.dispose();
  });

  it('says so when it cannot start', async () => {
    const a = new AppModel({
      loadEngine: engine,
      openStorage: async () => Promise.reject(new Error('IndexedDB is blocked')),
      url: 'ws://127.0.0.1:9/ws',
      prefs: new Prefs(memoryKeyValue()),
    });
    await a.boot();
    expect(a.phase.value).toBe('failed');
    expect(a.error.value).toBe('IndexedDB is blocked');
  });
});
