// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { ConnectionModel } from '../src/models/connection.ts';
import { eventually, offlineClient, server, tick, user } from './helpers.ts';

describe('ConnectionModel', () => {
  it('shows "connecting" only when it lasts, and "offline" at once, with the queued count', async () => {
    const client = await offlineClient();
    const { sessionId } = await client.createIdentity();
    const m = new ConnectionModel(client, window as unknown as Window, 50);
    expect(m.banner.value).toBeNull();
    await client.sendMessage({ recipientId: '05' + '4c'.repeat(32), content: 'queued one' });
    await eventually(() => m.queued.value === 1, 'one message queued');
    m.connect(); // nothing listens at :9, so it keeps trying
    await eventually(() => m.banner.value?.kind === 'connecting', 'connecting banner after the grace period');
    expect(m.banner.value).toEqual({ kind: 'connecting', queued: 1 });
    window.dispatchEvent(new Event('offline'));
    expect(m.banner.value).toEqual({ kind: 'offline', queued: 1 });
    window.dispatchEvent(new Event('online'));
    expect(m.banner.value?.kind).toBe('connecting');
    expect(sessionId).toMatch(/^05/);
    m.dispose();
    await client.disconnect();
  });

  it('a queued message deleted before it left no longer counts as waiting', async () => {
    const client = await offlineClient();
    await client.createIdentity();
    const m = new ConnectionModel(client, window as unknown as Window, 50);
    const id = await client.sendMessage({ recipientId: '05' + '4c'.repeat(32), content: 'never mind' });
    await eventually(() => m.queued.value === 1, 'one message queued');
    await client.deleteForMe([id]);
    await eventually(() => m.queued.value === 0, 'nothing waiting after the delete');
    m.dispose();
    await client.disconnect();
  });

  it('has no banner once connected', async () => {
    const srv = await server();
    const { c } = await user(srv);
    const m = new ConnectionModel(c, window as unknown as Window, 10);
    await tick(30);
    expect(m.state.value).toBe('connected');
    expect(m.banner.value).toBeNull();
    m.dispose();
  });
});
