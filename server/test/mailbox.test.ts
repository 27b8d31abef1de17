// The mailbox: offline delivery, resume after (epoch, offset), limits, idempotency, backpressure, delivered notices.
import { describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { MemoryStore } from '../src/store/memory/memory.ts';
import { grant, newIdentity, randomCt, RawClient, type Frame } from './helpers/rawClient.ts';
import { as, expectHonestPairWorks, start, track } from './helpers/server.ts';
import { scrapeMetrics } from '../../testkit/net.ts';

const envelopeWith = (id: string) => (f: Frame) => f.type === 'envelope' && f.id === id;

describe('mailbox', () => {
  it('holds envelopes for a recipient that never connected, and replays them in order', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const ids = [0, 1, 2].map(() => a.sendEnvelope(bob.sessionId));
    for (const id of ids) expect((await a.next('sent')).id).toBe(id);
    const b = await as(srv.url, bob);
    expect(b.ready!.head).toBe(3);
    const got = [await b.next('envelope'), await b.next('envelope'), await b.next('envelope')];
    expect(got.map((f) => f.id)).toEqual(ids);
    expect(got.map((f) => f.offset)).toEqual([1, 2, 3]);
  });

  it('replays what was sent while away after resume, in order, and nothing acked twice', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const b1 = await as(srv.url, bob);
    const first = a.sendEnvelope(bob.sessionId);
    const e1 = await b1.next(envelopeWith(first));
    b1.send({ type: 'ack', offset: e1.offset });
    await b1.barrier();
    await b1.close();

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(a.sendEnvelope(bob.sessionId));
    for (let i = 0; i < 5; i++) await a.next('sent');

    const b2 = await as(srv.url, bob, { deviceId: b1.deviceId, resume: { epoch: b1.ready!.epoch, offset: e1.offset } });
    expect(b2.ready).toMatchObject({ resumed: true, head: e1.offset + 5 });
    const replay: Frame[] = [];
    for (let i = 0; i < 5; i++) replay.push(await b2.next('envelope'));
    expect(replay.map((f) => f.id)).toEqual(ids);
    expect(replay.map((f) => f.offset)).toEqual([2, 3, 4, 5, 6]);
    b2.send({ type: 'ack', offset: 6 });
    await b2.barrier();
    await b2.close();

    // Everything acked by the only device is gone: a fresh connect without resume gets nothing.
    const b3 = await as(srv.url, bob, { deviceId: b1.deviceId });
    expect(b3.ready).toMatchObject({ resumed: false, head: 6 });
    await b3.barrier();
    expect(b3.queued('envelope')).toEqual([]);
    const held = await srv.store.readAfter(bob.sessionId, 0, 100, Date.now(), {
      maxEntries: 100,
      maxBytes: 1e9,
      ttlMs: srv.config.mailboxTtlMs,
    });
    expect(held).toEqual([]);
    // What is left are Alice's six delivered notices, which her device has not acked.
    expect((await srv.store.counts()).entries).toBe(6);
  });

  it('says resumed=false after a restart (new epoch) and delivers what was sent since', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(srv.url, bob);
    const oldEpoch = b.ready!.epoch;
    srv.kill();
    await b.closed();
    expect((await b.closed()).code).toBe(1006);
    const srv2 = await start();
    expect(srv2.store.epoch).not.toBe(oldEpoch);
    const a = await as(srv2.url, alice, { grants: [grant(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    const b2 = await as(srv2.url, bob, { resume: { epoch: oldEpoch, offset: 42 } });
    expect(b2.ready).toMatchObject({ resumed: false, epoch: srv2.store.epoch });
    expect((await b2.next('envelope')).id).toBe(id);
  });

  it('keeps the stream across a restart when the store survives (same epoch, resumed)', async () => {
    const store = new MemoryStore();
    const srv = await start({}, { store });
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(srv.url, bob);
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    srv.kill();
    await b.closed();
    await a.closed();
    const srv2 = await start({}, { store });
    const a2 = await as(srv2.url, alice, { grants: [grant(bob, alice)] });
    const id = a2.sendEnvelope(bob.sessionId);
    await a2.next('sent');
    const b2 = await as(srv2.url, bob, { deviceId: b.deviceId, resume: { epoch: b.ready!.epoch, offset: 0 } });
    expect(b2.ready!.resumed).toBe(true);
    expect((await b2.next('envelope')).id).toBe(id);
  });

  it('tells the sender MAILBOX_FULL (ref = id) when the recipient mailbox is full, and accepts after an ack', async () => {
    // One sender fills the whole mailbox here: no per-sender share (that is mailboxShare.test.ts).
    const srv = await start({ mailboxMaxEntries: 3, mailboxSenderShare: 100 });
    const alice = newIdentity();
    const bob = newIdentity();
    const b = await as(srv.url, bob);
    await b.close();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    for (let i = 0; i < 3; i++) a.sendEnvelope(bob.sessionId);
    for (let i = 0; i < 3; i++) await a.next('sent');
    const id = a.sendEnvelope(bob.sessionId);
    expect(await a.errorFor(id)).toMatchObject({ code: 'MAILBOX_FULL', ref: id });
    const b2 = await as(srv.url, bob, { deviceId: b.deviceId });
    for (let i = 0; i < 3; i++) await b2.next('envelope');
    b2.send({ type: 'ack', offset: 3 });
    await b2.barrier();
    const retry = a.sendEnvelope(bob.sessionId, randomCt(), { id });
    expect((await a.next('sent')).id).toBe(retry);
    expect((await b2.next('envelope')).id).toBe(id);
    await expectHonestPairWorks(srv);
  });

  it('is idempotent per id: a re-send gets the same sent reply and is delivered once', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const b = await as(srv.url, bob);
    const id = randomId();
    const ct = randomCt();
    a.send({ type: 'send', id, to: bob.sessionId, ct });
    a.send({ type: 'send', id, to: bob.sessionId, ct });
    const s1 = await a.next('sent');
    const s2 = await a.next('sent');
    expect(s2).toEqual(s1);
    await b.next(envelopeWith(id));
    await b.barrier();
    expect(b.received.filter((f) => f.type === 'envelope')).toHaveLength(1);
  });

  it('replays a large backlog through backpressure, in pages, in order', async () => {
    // 3000 sends in a burst: more than SEND_RATE allows one identity (limits.test.ts tests that).
    const srv = await start({ mailboxMaxEntries: 100_000, mailboxMaxBytes: 256 * 1024 * 1024, sendRatePerMin: 0, mailboxSenderShare: 100 });
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const n = 3000;
    const ct = randomCt(6000);
    for (let i = 0; i < n; i++) a.send({ type: 'send', id: randomId(), to: bob.sessionId, ct });
    // `sent` carries no offset for another's stream: wait for all n of them.
    for (let i = 0; i < n; i++) await a.next('sent', 20_000);

    const b = track(await RawClient.connect(srv.url));
    b.send(b.authFrame(bob));
    // Stop reading so the server's buffers fill and it must wait for drain.
    const sock = (b.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    sock.pause();
    const deadline = Date.now() + 15_000;
    let pauses = 0;
    while (pauses === 0 && Date.now() < deadline) {
      const text = await scrapeMetrics(srv.httpUrl);
      pauses = Number(/^sm_backpressure_pauses_total (\d+)$/m.exec(text)?.[1] ?? 0);
      if (pauses === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(pauses).toBeGreaterThan(0);
    // Entries appended while the socket is paused join the catch-up, in order.
    for (let i = 0; i < 5; i++) a.send({ type: 'send', id: randomId(), to: bob.sessionId, ct: randomCt() });
    for (let i = 0; i < 5; i++) await a.next('sent');
    sock.resume();
    await b.next('ready');
    let expected = 1;
    for (let i = 0; i < n + 5; i++) {
      const e = await b.next('envelope', 20_000);
      expect(e.offset).toBe(expected++);
    }
    // Live delivery resumes after the catch-up.
    const id = a.sendEnvelope(bob.sessionId);
    expect((await b.next('envelope')).id).toBe(id);
  }, 60_000);
});

describe('delivered notices', () => {
  it('tells an online sender at once when a recipient device acks', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const b = await as(srv.url, bob);
    const id = a.sendEnvelope(bob.sessionId);
    const env = await b.next(envelopeWith(id));
    b.send({ type: 'ack', offset: env.offset });
    const d = await a.next('delivered');
    expect(d).toEqual({ type: 'delivered', offset: 1, id, to: bob.sessionId, ts: d.ts });
    // A second device acking the same entry does not notify again.
    const b2 = await as(srv.url, bob);
    b2.send({ type: 'ack', offset: env.offset });
    await b2.barrier();
    await a.barrier();
    expect(a.queued('delivered')).toEqual([]);
  });

  it('queues the notice for an offline sender and replays it on reconnect', async () => {
    const srv = await start();
    const alice = newIdentity();
    const bob = newIdentity();
    const a = await as(srv.url, alice, { grants: [grant(bob, alice)] });
    const id = a.sendEnvelope(bob.sessionId);
    await a.next('sent');
    await a.close();
    const b = await as(srv.url, bob);
    const env = await b.next(envelopeWith(id));
    b.send({ type: 'ack', offset: env.offset });
    await b.barrier();
    const a2 = await as(srv.url, alice, { deviceId: a.deviceId, resume: { epoch: a.ready!.epoch, offset: 0 } });
    expect(await a2.next('delivered')).toMatchObject({ id, to: bob.sessionId, offset: 1 });
  });
});
