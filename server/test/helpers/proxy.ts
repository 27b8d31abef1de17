// A TCP proxy the test controls, standing for the network between one device and the server:
// hold the downstream (the device stops hearing the server), cut (the device's socket is reset;
// the server's side is left open and silent, as when a phone loses its network: no FIN, no close
// frame), refuse new connections while "offline", and heal.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { closeServer, listenOnFreePort } from '../../../testkit/net.ts';

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** Server → device bytes are dropped. */
  holdDown: boolean;
  /** Both directions dropped: the path is gone. */
  dead: boolean;
}

export class CutProxy {
  private readonly pairs = new Set<Pair>();
  private offline = false;
  /** Connection attempts refused while offline (the device's reconnects with backoff). */
  refused = 0;
  accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<CutProxy> {
    let self: CutProxy | undefined;
    const server = createServer((client) => {
      const p = self!;
      client.on('error', () => undefined);
      if (p.offline) {
        p.refused++;
        client.resetAndDestroy();
        return;
      }
      p.accepted++;
      const upstream = connect({ host: targetHost, port: targetPort });
      upstream.on('error', () => undefined);
      const pair: Pair = { client, upstream, holdDown: false, dead: false };
      p.pairs.add(pair);
      client.on('data', (d) => {
        if (!pair.dead) upstream.write(d);
      });
      upstream.on('data', (d) => {
        if (!pair.dead && !pair.holdDown) client.write(d);
      });
      const end = (): void => {
        if (pair.dead) return; // a cut path stays silent on both ends
        p.pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end);
      upstream.on('close', end);
    });
    self = new CutProxy(server, await listenOnFreePort(server));
    return self;
  }

  get url(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  /** The device stops hearing the server; what it sends still arrives. New connections refused. */
  holdDownstream(): void {
    this.offline = true;
    for (const p of this.pairs) p.holdDown = true;
  }

  /** The network is gone: the device's socket is reset, the server's is left open and silent. */
  cut(): void {
    this.offline = true;
    for (const p of this.pairs) {
      p.dead = true;
      p.client.resetAndDestroy();
      // The server side: no FIN, no RST; bytes it sends are swallowed (kept readable so its
      // pings fill nothing), as if the packets vanished.
      p.upstream.removeAllListeners('data');
      p.upstream.on('data', () => undefined);
    }
  }

  heal(): void {
    this.offline = false;
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    this.pairs.clear();
    await closeServer(this.server);
  }
}
