// account_get / account_put against a real server: compare-and-swap, parts, the size limit, the
// other devices told at once, the rate limit, and the TTL refreshed by each auth.
import { describe, expect, it } from 'vitest';
import { randomId, toBase64 } from '../../protocol/index.ts';
import { newIdentity, type Frame } from './helpers/rawClient.ts';
import { as, fakeClock, start } from './helpers/server.ts';

const DAY = 86_400_000;
const blob = (n: number, fill = 7): string => toBase64(new Uint8Array(n).fill(fill));
const answer = (id: string) => (f: Frame) => f.type === 'account' && f.ref === id;

describe('account document', () => {
  it('stores with compare-and-swap and tells the other devices of the identity, only them', async () => {
    const srv = await start();
    const me = newIdentity();
    const [d1, d2] = [await as(srv.url, me), await as(srv.url, me)];
    const stranger = await as(srv.url, newIdentity());
    const get = randomId();
    d1.send({ type: 'account_get', id: get });
    expect(await d1.next(answer(get))).toEqual({ type: 'account', ref: get, version: 0 });

    const put = randomId();
    d1.send({ type: 'account_put', id: put, version: 0, blob: blob(32) });
    expect(await d1.next(answer(put))).toEqual({ type: 'account', ref: put, version: 1 });
    expect(await d2.next('account_changed')).toEqual({ type: 'account_changed', version: 1 });

    // d2 had not read version 1: its put is answered with the current blob to merge.
    const stale = randomId();
    d2.send({ type: 'account_put', id: stale, version: 0, blob: blob(32, 9) });
    expect(await d2.next(answer(stale))).toEqual({ type: 'account', ref: stale, version: 1, blob: blob(32), conflict: true });
    const retry = randomId();
    d2.send({ type: 'account_put', id: retry, version: 1, blob: blob(32, 9) });
    expect(await d2.next(answer(retry))).toEqual({ type: 'account', ref: retry, version: 2 });
    expect(await d1.next('account_changed')).toEqual({ type: 'account_changed', version: 2 });

    const again = randomId();
    const fresh = await as(srv.url, me);
    fresh.send({ type: 'account_get', id: again });
    expect(await fresh.next(answer(again))).toEqual({ type: 'account', ref: again, version: 2, blob: blob(32, 9) });
    await Promise.all([d1.barrier(), d2.barrier(), stranger.barrier()]);
    expect(d1.queued('account_changed').concat(d2.queued('account_changed'), stranger.queued('account_changed'))).toEqual([]);
    const theirs = randomId();
    stranger.send({ type: 'account_get', id: theirs });
    expect(await stranger.next(answer(theirs))).toEqual({ type: 'account', ref: theirs, version: 0 });
  });

  it('assembles an upload in parts, commits only at the last, and refuses parts out of order', async () => {
    const srv = await start({ maxFrameBytes: 8192, accountMaxBytes: 8192 });
    const me = newIdentity();
    const d = await as(srv.url, me);
    const parts = [new Uint8Array(3000).fill(1), new Uint8Array(3000).fill(2), new Uint8Array(10).fill(3)];
    const id = randomId();
    for (const [i, p] of parts.entries()) d.send({ type: 'account_put', id, version: 0, blob: toBase64(p), part: i, parts: 3 });
    expect(await d.next(answer(id))).toEqual({ type: 'account', ref: id, version: 1 });
    const get = randomId();
    d.send({ type: 'account_get', id: get });
    const whole = new Uint8Array(6010);
    whole.set(parts[0]!, 0);
    whole.set(parts[1]!, 3000);
    whole.set(parts[2]!, 6000);
    expect((await d.next(answer(get))).blob).toBe(toBase64(whole));

    const broken = randomId();
    d.send({ type: 'account_put', id: broken, version: 1, blob: blob(10), part: 0, parts: 3 });
    d.send({ type: 'account_put', id: broken, version: 1, blob: blob(10), part: 2, parts: 3 });
    expect(await d.errorFor(broken)).toMatchObject({ code: 'ACCOUNT_UPLOAD_BROKEN' });
    // A later part with no start is refused too, and nothing was stored.
    const orphan = randomId();
    d.send({ type: 'account_put', id: orphan, version: 1, blob: blob(10), part: 1, parts: 2 });
    expect(await d.errorFor(orphan)).toMatchObject({ code: 'ACCOUNT_UPLOAD_BROKEN' });
    const check = randomId();
    d.send({ type: 'account_get', id: check });
    expect((await d.next(answer(check))).version).toBe(1);
  });

  it('refuses a document over ACCOUNT_MAX_BYTES (ACCOUNT_TOO_LARGE) and keeps the stored one', async () => {
    const srv = await start({ maxFrameBytes: 8192, accountMaxBytes: 5000 });
    const d = await as(srv.url, newIdentity());
    const ok = randomId();
    d.send({ type: 'account_put', id: ok, version: 0, blob: blob(4000) });
    await d.next(answer(ok));
    const big = randomId();
    d.send({ type: 'account_put', id: big, version: 1, blob: blob(3000), part: 0, parts: 2 });
    d.send({ type: 'account_put', id: big, version: 1, blob: blob(3000), part: 1, parts: 2 });
    expect(await d.errorFor(big)).toMatchObject({ code: 'ACCOUNT_TOO_LARGE' });
    const get = randomId();
    d.send({ type: 'account_get', id: get });
    expect(await d.next(answer(get))).toMatchObject({ version: 1, blob: blob(4000) });
    // The socket still serves.
    expect(d.queued('error')).toEqual([]);
  });

  it('limits gets and uploads per identity (RATE_LIMITED with retryAfterMs)', async () => {
    const srv = await start({ accountRatePerMin: 2 });
    const me = newIdentity();
    const [d1, d2] = [await as(srv.url, me), await as(srv.url, me)];
    const ids = [randomId(), randomId(), randomId()];
    d1.send({ type: 'account_get', id: ids[0] });
    await d1.next(answer(ids[0]!));
    d2.send({ type: 'account_put', id: ids[1], version: 0, blob: blob(8) });
    await d2.next(answer(ids[1]!));
    d1.send({ type: 'account_get', id: ids[2] });
    const err = await d1.errorFor(ids[2]!);
    expect(err).toMatchObject({ code: 'RATE_LIMITED' });
    expect(err.retryAfterMs).toBeGreaterThan(0);
  });

  it('keeps the document for ACCOUNT_TTL after the last auth, and forgets it after', async () => {
    const clock = fakeClock();
    const srv = await start({ accountTtlMs: 400 * DAY, authRateIpPerMin: 0 }, { clock: clock.now });
    const [kept, lost] = [newIdentity(), newIdentity()];
    for (const who of [kept, lost]) {
      const d = await as(srv.url, who);
      const id = randomId();
      d.send({ type: 'account_put', id, version: 0, blob: blob(16) });
      await d.next(answer(id));
      await d.close();
    }
    clock.advance(300 * DAY);
    await (await as(srv.url, kept)).close();
    clock.advance(300 * DAY);
    for (const [who, version] of [
      [kept, 1],
      [lost, 0],
    ] as const) {
      const d = await as(srv.url, who);
      const id = randomId();
      d.send({ type: 'account_get', id });
      expect((await d.next(answer(id))).version).toBe(version);
    }
  });
});
