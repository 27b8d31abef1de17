// Lua scripts by SHA1: EVALSHA on the hot path, the full source only when Redis does not know the
// script yet (first use, or a Redis that restarted and lost its script cache).
import { createHash } from 'node:crypto';

/** The one client method the scripts need (node-redis' sendCommand). */
export interface CommandSender {
  sendCommand<T>(args: readonly string[]): Promise<T>;
}

export class Script {
  readonly source: string;
  readonly sha: string;

  constructor(source: string) {
    this.source = source;
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  run<T>(client: CommandSender, keys: readonly string[], args: readonly (string | number)[]): Promise<T> {
    // One array built in place: this runs several times per message (spreads and map cost ~1 %).
    const cmd = ['EVALSHA', this.sha, String(keys.length)];
    for (let i = 0; i < keys.length; i++) cmd.push(keys[i]!);
    for (let i = 0; i < args.length; i++) cmd.push(String(args[i]));
    return client.sendCommand<T>(cmd).catch((err: unknown) => {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      // EVAL also puts the script in Redis's cache, so the next call is an EVALSHA again.
      return client.sendCommand<T>(['EVAL', this.source, ...cmd.slice(2)]);
    });
  }
}
