// The account sync engine on three devices of one identity against a real server: every change
// reaches every device, concurrent changes converge, a replayed old blob rolls nothing back, and a
// server that forgot the document gets it back from the first device that connects.
import { describe, expect, it } from 'vitest';
import {
  canonical,
  createIdentity,
  mergeAccount,
  patch,
  randomId,
  sealAccount,
  toBase64,
  type AccountDoc,
  type Identity,
} from '../../protocol/index.ts';
import { AccountSync, type AccountState } from '../accountSync.ts';
import { connectAs, type RawClient } from '../../server/test/helpers/rawClient.ts';
import { start, track, until } from '../../server/test/helpers/server.ts';

interface Device {
  sync: AccountSync;
  saved: AccountState | undefined;
  applied: AccountDoc[];
  errors: Error[];
  sock: RawClient | undefined;
  connect(url: string): Promise<void>;
}

function device(identity: Identity, clock: () => number = Date.now): Device {
  const deviceId = randomId();
  let chain: Promise<unknown> = Promise.resolve();
  const d: Device = {
    saved: undefined,
    applied: [],
    errors: [],
    sock: undefined,
    sync: undefined as unknown as AccountSync,
    async connect(url) {
      d.sock?.ws.terminate();
      d.sync.onDisconnected();
      const sock = track(await connectAs(url, identity, { deviceId }));
      d.sock = sock;
      // One serial queue, like the SDK's.
      sock.ws.on('message', (data) => {
        const f = JSON.parse(data.toString()) as { type: string };
        if (f.type === 'account') chain = chain.then(() => d.sync.onAccount(f as never));
        if (f.type === 'account_changed') chain = chain.then(() => d.sync.onChanged(f as never));
      });
      await d.sync.onConnected();
    },
  };
  d.sync = new AccountSync({
    identity: () => identity,
    deviceId: () => deviceId,
    now: clock,
    send: (f) => {
      if (!d.sock || d.sock.isClosed) return false;
      d.sock.send(f);
      return true;
    },
    connected: () => d.sock !== undefined && !d.sock.isClosed,
    maxFrameBytes: () => 65_536,
    load: async () => (d.saved ? structuredClone(d.saved) : undefined),
    save: async (s) => void (d.saved = structuredClone(s)),
    apply: async (doc) => void d.applied.push(doc),
    report: (e) => void d.errors.push(e as Error),
  });
  return d;
}

const same = async (devices: Device[]) => {
  const docs = await Promise.all(devices.map((d) => d.sync.doc()));
  return docs.every((x) => canonical(x) === canonical(docs[0]));
};

describe('account sync', () => {
  it('carries every change to every device, and concurrent changes converge', async () => {
    const srv = await start();
    const me = createIdentity();
    const devices = [device(me), device(me), device(me, () => Date.now() + 21 * 86_400_000)];
    for (const d of devices) await d.connect(srv.url);
    await devices[0]!.sync.update((s) => patch.profileName('Ann', s()));
    await until(async () => (await devices[2]!.sync.doc()).profile.displayName?.v === 'Ann', 5000, 'the name on device 3');
    await until(() => same(devices), 5000, 'one document');

    // All three at once, with the third clock three weeks ahead.
    const peers = [createIdentity(), createIdentity(), createIdentity()].map((p) => p.sessionId);
    await Promise.all(devices.map((d, i) => d.sync.update((s) => patch.contact(peers[i]!, { state: { v: 'accepted', s: s() } }))));
    await devices[1]!.sync.update((s) => patch.privacy('sharePresence', false, s()));
    await until(
      async () => (await same(devices)) && Object.keys((await devices[0]!.sync.doc()).contacts).length === 3,
      10_000,
      'convergence',
    );
    expect((await devices[0]!.sync.doc()).privacy.sharePresence?.v).toBe(false);
    expect(devices.flatMap((d) => d.errors)).toEqual([]);
  });

  it('a replayed older blob rolls nothing back', async () => {
    const srv = await start();
    const me = createIdentity();
    const d = device(me);
    await d.connect(srv.url);
    await d.sync.update((s) => patch.profileName('New', s()));
    await until(() => d.saved !== undefined && !d.saved.dirty && d.saved.counter >= 1, 5000, 'the upload');
    const counter = d.saved!.counter;
    // What the server could hold back and replay: an older copy under any version number.
    const old = toBase64(await sealAccount(me, counter - 1, patch.profileName('Old', [1, 0, 'x'])));
    const get = randomId();
    (d.sync as unknown as { _get: string })._get = get;
    expect(await d.sync.onAccount({ type: 'account', ref: get, version: 99, blob: old })).toBe(true);
    expect((await d.sync.doc()).profile.displayName?.v).toBe('New');
    expect(d.errors.map((e) => e.message).join()).toMatch(/older than the one merged here/);
  });

  it('a server that forgot the document gets it back from the first device that connects', async () => {
    const me = createIdentity();
    const d = device(me);
    const first = await start();
    await d.connect(first.url);
    await d.sync.update((s) => mergeAccount(patch.profileName('Kept', s()), patch.privacy('shareTyping', false, s())));
    await until(() => d.saved !== undefined && !d.saved.dirty, 5000, 'the upload');
    const second = await start(); // an empty memory store, as after a restart
    await d.connect(second.url);
    await until(() => d.saved !== undefined && d.saved.version === 1 && !d.saved.dirty, 5000, 'the re-upload');
    const fresh = device(me);
    await fresh.connect(second.url);
    await until(async () => (await fresh.sync.doc()).profile.displayName?.v === 'Kept', 5000, 'the restored device');
  });
});
