// The SDK signs auth v2 for the URL it dialled (issue 11, finding 1): through a relay the server does
// not list as one of its public origins, the login is refused with AUTH_ORIGIN_MISMATCH; listed, it
// succeeds. A URL list moves on to the next server after such a refusal.
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../protocol/index.ts';
import { CutProxy } from '../../server/test/helpers/proxy.ts';
import { freePort } from '../../testkit/net.ts';
import { client, eventually, server } from './integration.ts';

describe('SDK auth v2', () => {
  it('is refused through an unlisted relay, and logs in where the dialled origin is listed', async () => {
    const srv = await server();
    const relay = await CutProxy.start(srv.port);
    try {
      const c = await client(relay.url);
      await c.createIdentity();
      const errors: unknown[] = [];
      c.on('error', (e) => errors.push(e));
      void c.connect().catch(() => undefined);
      await eventually(() => errors.some((e) => e instanceof ProtocolError && e.code === 'AUTH_ORIGIN_MISMATCH'), 'AUTH_ORIGIN_MISMATCH');
      expect(c.connectionState).not.toBe('connected');
      await c.disconnect();
    } finally {
      await relay.close();
    }

    // The same relay, listed by the server it fronts: the SDK's signature names it and is accepted.
    const port = await freePort();
    const front = await CutProxy.start(port);
    try {
      const listed = await server({ port, publicOrigins: [`ws://127.0.0.1:${front.port}`] });
      expect(listed.port).toBe(port);
      const d = await client([front.url]);
      await d.createIdentity();
      await d.connect();
      expect(d.connectionState).toBe('connected');
      // …and dialled directly, the same server refuses (its origin is not listed): the list moves on.
      const e = await client([listed.url, front.url]);
      await e.createIdentity();
      await e.connect();
      expect(e.connectionState).toBe('connected');
      await d.disconnect();
      await e.disconnect();
    } finally {
      await front.close();
    }
  });
});
