// Two server instances on a private redis-server (never the shared one), which is killed and
// restarted empty during steady SDK traffic between clients on different instances. The instances
// see a new epoch and send every socket away; the clients reconnect and re-send what was not
// delivered. Nothing lost, nothing twice, everything delivered; recovery times printed.
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../integration.ts';
import { RedisProc, startServerProc, stopAll } from './procs.ts';
import { connectCounts, pairs, reconnected, settle, steady, timeTo } from './sdkTraffic.ts';

afterEach(stopAll);

describe('faults: Redis restarts under two instances', () => {
  it('kill -9 of Redis mid-traffic, restarted empty: 0 lost, 0 duplicated, all delivered', async () => {
    const redis = await RedisProc.start();
    const env = {
      HEARTBEAT_INTERVAL: '1s',
      REDIS_URL: redis.url(),
      REDIS_KEY_PREFIX: 'smfault:',
      PRESENCE_DEBOUNCE: '300ms',
      INSTANCE_TTL: '5s',
    };
    const a = await startServerProc(env);
    const b = await startServerProc(env);
    const ps = await pairs(
      5,
      () => a.url(),
      () => b.url(),
    );
    const traffic = steady(ps, 250);
    await eventually(() => traffic.received() >= 40, 'traffic flowing', 30_000);

    const counts = connectCounts(ps);
    const sentAtKill = traffic.sent();
    await redis.kill();
    await eventually(() => traffic.sent() >= sentAtKill + 30, 'messages sent while Redis is down', 30_000);
    await redis.restart();
    const restartedAt = Date.now();
    const recoverMs = await timeTo(() => reconnected(ps, counts), 'every client reconnected (new epoch)', 60_000);

    await traffic.stop();
    const r = await settle(ps);
    console.log(
      `[redis restart] ${ps.length} cross-instance pairs, ${r.sent} messages, ${traffic.sent() - sentAtKill} sent from the kill on; ` +
        `all clients reconnected ${recoverMs} ms after Redis came back; everything delivered ${r.deliveredMs} ms after traffic stopped ` +
        `(${Date.now() - restartedAt} ms after the restart); lost ${r.lost}, duplicates ${r.duplicates}`,
    );
    expect(r.lost).toBe(0);
    expect(r.duplicates).toBe(0);
  });
});
