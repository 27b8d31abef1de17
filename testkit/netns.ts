// A Linux network namespace joined to the host by veth pairs, for partition tests: a process started
// in it (exec()) is reachable from the host only over its links, and taking a link's host end down
// drops every packet on it without a FIN or RST, as a real partition does; up() heals it and TCP
// retransmits what was lost. Needs root (CAP_NET_ADMIN) and iproute2; canUse() says why not.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface NetLink {
  /** The host end's address (what processes in the namespace reach the host at). */
  readonly hostIp: string;
  /** The namespace end's address (what the host reaches the namespace's processes at). */
  readonly nsIp: string;
  readonly hostDev: string;
}

export class Netns {
  private removed = false;
  private constructor(
    readonly name: string,
    readonly links: readonly NetLink[],
  ) {}

  /** undefined when namespaces can be used here; otherwise the reason (for the skip message). */
  static canUse(): string | undefined {
    if (process.getuid?.() !== 0) return 'not root: creating network namespaces needs CAP_NET_ADMIN (CI runs as root)';
    if (spawnSync('ip', ['-V']).status !== 0) return 'iproute2 (`ip`) is not installed';
    const probe = `smprobe${randomBytes(3).toString('hex')}`;
    const r = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' });
    if (r.status !== 0) return `ip netns add failed: ${r.stderr.trim()}`;
    spawnSync('ip', ['netns', 'del', probe]);
    return undefined;
  }

  /** A namespace with `count` links, each its own /30 on 10.(200+i).x.0. */
  static create(count: number): Netns {
    const tag = randomBytes(3).toString('hex');
    const name = `smf${tag}`;
    const third = 1 + (randomBytes(1)[0]! % 250);
    ip('netns', 'add', name);
    const links: NetLink[] = [];
    try {
      ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
      for (let i = 0; i < count; i++) {
        const hostDev = `smh${tag}${i}`;
        const nsDev = `smn${tag}${i}`;
        const hostIp = `10.${200 + i}.${third}.1`;
        const nsIp = `10.${200 + i}.${third}.2`;
        ip('link', 'add', hostDev, 'type', 'veth', 'peer', 'name', nsDev);
        ip('link', 'set', nsDev, 'netns', name);
        ip('addr', 'add', `${hostIp}/30`, 'dev', hostDev);
        ip('link', 'set', hostDev, 'up');
        ip('netns', 'exec', name, 'ip', 'addr', 'add', `${nsIp}/30`, 'dev', nsDev);
        ip('netns', 'exec', name, 'ip', 'link', 'set', nsDev, 'up');
        links.push({ hostIp, nsIp, hostDev });
      }
    } catch (err) {
      spawnSync('ip', ['netns', 'del', name]);
      for (const l of links) spawnSync('ip', ['link', 'del', l.hostDev]);
      throw err;
    }
    return new Netns(name, links);
  }

  /** The argv prefix that runs a command inside the namespace. */
  exec(cmd: string, ...args: string[]): [string, string[]] {
    return ['ip', ['netns', 'exec', this.name, cmd, ...args]];
  }

  /** Partition: every packet on link i is dropped from now on; no socket is told. */
  down(i: number): void {
    ip('link', 'set', this.links[i]!.hostDev, 'down');
  }

  up(i: number): void {
    ip('link', 'set', this.links[i]!.hostDev, 'up');
  }

  /** Deletes the namespace and the links (deleting one end of a veth deletes both). */
  remove(): void {
    if (this.removed) return;
    this.removed = true;
    for (const l of this.links) spawnSync('ip', ['link', 'del', l.hostDev]);
    spawnSync('ip', ['netns', 'del', this.name]);
  }
}
