// A reverse proxy that does what HAProxy's `option forwardfor` does (docs/operations.md): it adds
// an X-Forwarded-For line of its own with the peer's address, leaving the client's lines before it.
// HAProxy itself is not installed here; this is its documented behaviour at the byte level.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { closeServer, listenOnFreePort } from '../../../testkit/net.ts';

export class ForwardForProxy {
  target = 0;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(): Promise<ForwardForProxy> {
    let self: ForwardForProxy | undefined;
    const server = createServer((client) => {
      const p = self!;
      const upstream = connect({ host: '127.0.0.1', port: p.target });
      p.sockets.add(client).add(upstream);
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      let head = Buffer.alloc(0);
      let passed = false;
      client.on('data', (d: Buffer) => {
        if (passed) return void upstream.write(d);
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        passed = true;
        const added = `X-Forwarded-For: ${client.remoteAddress?.replace(/^::ffff:/, '')}\r\n`;
        upstream.write(Buffer.concat([head.subarray(0, end + 2), Buffer.from(added), head.subarray(end + 2)]));
      });
      upstream.on('data', (d) => client.write(d));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    self = new ForwardForProxy(server, await listenOnFreePort(server));
    return self;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await closeServer(this.server);
  }
}
