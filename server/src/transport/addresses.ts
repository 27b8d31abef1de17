// Open sockets per client address (issue 11, finding 7): without a cap one address could fill
// MAX_CONNECTIONS with sockets that never authenticate, and nobody else could connect. Two caps:
// all sockets of an address, and a tighter one for those not yet authenticated (a person's devices
// behind one NAT authenticate at once; a flood of idle sockets does not).
import type { Config } from '../config.ts';

export type AddressRefusal = 'total' | 'unauthenticated';

export class AddressCounts {
  private readonly total = new Map<string, number>();
  private readonly unauth = new Map<string, number>();

  constructor(private readonly config: Pick<Config, 'maxConnectionsPerIp' | 'maxUnauthPerIp'>) {}

  /** Counts a new (unauthenticated) socket of `address`, or says which cap it would pass. */
  admit(address: string): AddressRefusal | null {
    const total = this.total.get(address) ?? 0;
    if (total >= this.config.maxConnectionsPerIp) return 'total';
    const unauth = this.unauth.get(address) ?? 0;
    if (unauth >= this.config.maxUnauthPerIp) return 'unauthenticated';
    this.total.set(address, total + 1);
    this.unauth.set(address, unauth + 1);
    return null;
  }

  /** An admitted socket authenticated: it no longer counts as unauthenticated. */
  authenticated(address: string): void {
    dec(this.unauth, address);
  }

  /** An admitted socket closed. */
  release(address: string, wasAuthenticated: boolean): void {
    dec(this.total, address);
    if (!wasAuthenticated) dec(this.unauth, address);
  }

  /** Addresses holding sockets (the maps hold no entry at zero). */
  get size(): number {
    return this.total.size;
  }
}

function dec(m: Map<string, number>, key: string): void {
  const n = (m.get(key) ?? 0) - 1;
  if (n > 0) m.set(key, n);
  else m.delete(key);
}
