// Issue 11, finding 5: per-frame-type counters on a public /metrics, plus one invitation, told a
// stranger whether someone was online (even with presence hidden). /metrics is now private
// (METRICS_PORT on 127.0.0.1, or METRICS_TOKEN), and nothing public moves differently for an
// invitation to someone online than for one to someone offline.
import { describe, expect, it } from 'vitest';
import { TEST_METRICS_TOKEN } from '../../testkit/net.ts';
import { connectAs, invitationTo, newIdentity, type RawClient } from './helpers/rawClient.ts';
import { storesUnderTest } from './helpers/stores.ts';
import { start, track } from './helpers/server.ts';

const STORES = await storesUnderTest('the Redis runs of the private /metrics tests');

async function status(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text() };
}

/** Every number a stranger can read over HTTP, by name (volatile clocks and process figures left out). */
async function publicView(httpUrl: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const stats = (await (await fetch(`${httpUrl}/stats`)).json()) as Record<string, unknown>;
  const health = (await (await fetch(`${httpUrl}/health`)).json()) as Record<string, unknown>;
  for (const [k, v] of Object.entries({
    ...stats,
    ...Object.fromEntries(Object.entries(health).map(([k2, v2]) => [`health.${k2}`, v2])),
  })) {
    if (typeof v === 'number' && !/uptime/.test(k)) out[k] = v;
  }
  const m = await fetch(`${httpUrl}/metrics`);
  const text = await m.text();
  out['metrics.status'] = m.status;
  for (const line of text.split('\n')) {
    const i = line.lastIndexOf(' ');
    if (line.startsWith('sm_') && !/memory|heap|external|loop|uptime|buffered|bytes_(in|out)/.test(line))
      out[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return out;
}

function diff(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const d: Record<string, number> = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) if ((b[k] ?? 0) !== (a[k] ?? 0)) d[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return d;
}

describe('/metrics is private', () => {
  it('answers 404 on the public port by default, and to a missing or wrong token', async () => {
    const plain = await start({ metricsToken: undefined });
    expect((await status(`${plain.httpUrl}/metrics`)).status).toBe(404);
    expect((await status(`${plain.httpUrl}/metrics`, { authorization: `Bearer ${TEST_METRICS_TOKEN}` })).status).toBe(404);
    const guarded = await start({ metricsToken: TEST_METRICS_TOKEN });
    expect((await status(`${guarded.httpUrl}/metrics`)).status).toBe(404);
    expect((await status(`${guarded.httpUrl}/metrics`, { authorization: `Bearer ${TEST_METRICS_TOKEN}x` })).status).toBe(404);
    expect((await status(`${guarded.httpUrl}/metrics`, { authorization: TEST_METRICS_TOKEN })).status).toBe(404);
    const ok = await status(`${guarded.httpUrl}/metrics`, { authorization: `Bearer ${TEST_METRICS_TOKEN}` });
    expect(ok.status).toBe(200);
    expect(ok.text).toMatch(/^sm_connections_active \d+$/m);
  });

  it('METRICS_PORT serves it on 127.0.0.1 without a token, and only it', async () => {
    const srv = await start({ metricsToken: undefined, metricsPort: 0 });
    expect(srv.metricsPort).toBeGreaterThan(0);
    expect(srv.metricsPort).not.toBe(srv.port);
    expect((await status(`${srv.httpUrl}/metrics`)).status).toBe(404);
    const m = await status(`http://127.0.0.1:${srv.metricsPort}/metrics`);
    expect(m.status).toBe(200);
    expect(m.text).toMatch(/^sm_connections_active \d+$/m);
    expect((await status(`http://127.0.0.1:${srv.metricsPort}/stats`)).status).toBe(404);
  });

  // Redis only where one answers (as store.redis.test.ts decides).
  it.each(STORES)(
    "a stranger's invitation moves the public figures alike for someone online (hidden) and someone offline ($name store)",
    async ({ config }) => {
      for (const metricsToken of [undefined, TEST_METRICS_TOKEN]) {
        const srv = await start({ ...config(), metricsToken });
        const [stranger, online, offline] = [newIdentity(), newIdentity(), newIdentity()];
        const o: RawClient = track(await connectAs(srv.url, online, { hidePresence: true }));
        const s = track(await connectAs(srv.url, stranger));
        const before = await publicView(srv.httpUrl);
        s.send(invitationTo(stranger, online));
        await s.next('ok');
        // The online device takes the invitation and acknowledges it, as the SDK does.
        const inv = await o.next('invitation');
        o.send({ type: 'ack', offset: inv.offset });
        await o.barrier();
        const mid = await publicView(srv.httpUrl);
        s.send(invitationTo(stranger, offline));
        await s.next('ok');
        const after = await publicView(srv.httpUrl);
        expect(diff(before, mid), `metricsToken=${String(metricsToken)}`).toEqual(diff(mid, after));
      }
    },
  );
});
