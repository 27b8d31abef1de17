// Identity in the SDK: create, persist, restore on another device, refuse what does not fit.
import { describe, expect, it } from 'vitest';
import { isSessionId } from '../../protocol/index.ts';
import { MemoryStorage, MessengerClient } from '../index.ts';
import { FakeWebSocket } from './fakes.ts';

const make = (storage = new MemoryStorage()) =>
  MessengerClient.create({ url: 'ws://x/ws', storage, WebSocket: FakeWebSocket, network: null });

describe('identity', () => {
  it('creates an identity once, and the same storage gives it back', async () => {
    const storage = new MemoryStorage();
    const a = await make(storage);
    expect(a.hasIdentity).toBe(false);
    const { sessionId, phrase } = await a.createIdentity();
    expect(isSessionId(sessionId)).toBe(true);
    expect(phrase.split(' ')).toHaveLength(12);
    await expect(a.createIdentity()).rejects.toThrow(/already holds an identity/);
    const again = await make(storage);
    expect(again.sessionId).toBe(sessionId);
    expect(again.deviceId).toBe(a.deviceId);
    expect(again.recoveryPhrase()).toBe(phrase);
  });

  it('gives the main thread back before deriving a stored identity: start-up is not one long task', async () => {
    const storage = new MemoryStorage();
    const { sessionId } = await (await make(storage)).createIdentity();
    let otherTaskRan = false;
    const starting = make(storage);
    // Queued before the keys are derived; without a yield the whole start runs in microtasks first.
    setTimeout(() => (otherTaskRan = true), 0);
    const c = await starting;
    expect(otherTaskRan).toBe(true);
    expect(c.sessionId).toBe(sessionId);
  });

  it('restoring the phrase elsewhere is the same person on a new device', async () => {
    const a = await make();
    const { sessionId, phrase } = await a.createIdentity();
    const b = await make();
    expect(await b.restoreIdentity(`  ${phrase.toUpperCase()} `)).toEqual({ sessionId });
    expect(b.sessionId).toBe(sessionId);
    expect(b.deviceId).toMatch(/^[0-9a-f]{32}$/);
    expect(b.deviceId).not.toBe(a.deviceId);
    const other = await make();
    await other.createIdentity();
    await expect(other.restoreIdentity(phrase)).rejects.toThrow(/another identity/);
    await expect((await make()).restoreIdentity('abandon abandon abandon')).rejects.toThrow(/12 words/);
  });

  it('refuses to connect or send without an identity, and bad options up front', async () => {
    const c = await make();
    expect(() => c.connect()).toThrow(/no identity/);
    await expect(c.sendMessage({ recipientId: '05' + '1'.repeat(64), content: 'x' })).rejects.toThrow(/no identity/);
    await expect(MessengerClient.create({ url: 'http://x/ws', storage: new MemoryStorage(), WebSocket: FakeWebSocket })).rejects.toThrow(
      /ws:\/\/ or wss:\/\//,
    );
    // Node 20 has no global WebSocket: the SDK says what to pass instead of failing later.
    if (!('WebSocket' in globalThis))
      await expect(MessengerClient.create({ url: 'ws://x/ws', storage: new MemoryStorage() })).rejects.toThrow(/WebSocket/);
  });
});
