// @vitest-environment happy-dom
// PushModel on the cases a browser test cannot reach: an iPhone in a browser tab (install first),
// a browser without the Push API, and a relay that sends no push.
import { describe, expect, it } from 'vitest';
import { PushModel, type PushPlatform } from '../src/models/push.ts';
import { server, user } from './helpers.ts';

const platform = (p: Partial<PushPlatform>): PushPlatform => ({
  supported: true,
  needsInstall: false,
  registration: async () => undefined,
  ...p,
});

describe('PushModel', () => {
  it('on iOS outside the Home Screen explains instead of subscribing', async () => {
    const srv = await server();
    const { c } = await user(srv);
    const m = new PushModel(c, platform({ supported: false, needsInstall: true }));
    expect(m.state.value).toBe('needs-install');
    await m.subscribe();
    expect(m.state.value).toBe('needs-install');
    expect(m.error.value).toBeNull();
    expect(new PushModel(c, platform({ supported: false })).state.value).toBe('unsupported');
  });

  it('says so when the relay sends no push (no VAPID key in hello)', async () => {
    const srv = await server();
    const { c } = await user(srv);
    expect(c.pushPublicKey).toBeUndefined();
    const m = new PushModel(c, platform({}));
    await m.subscribe();
    expect(m.state.value).toBe('unavailable');
  });
});
