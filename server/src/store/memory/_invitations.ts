// Invitations with their two indexes (pending per recipient, pending per pair) and two deadlines:
// expiry (pending ones, by expiresAt) and forgetting (settled ones, by expiresAt + grace). Both
// deadlines are heaps, so nothing ever scans all invitations.
import { MinHeap } from '../_heap.ts';
import type { Invitation, InvitationQuota, PutInvitationResult } from '../types.ts';

interface Deadline {
  readonly at: number;
  readonly id: string;
}

type Settled = Exclude<Invitation['status'], 'pending'>;

export class Invitations {
  private readonly byId = new Map<string, Invitation>();
  private readonly pendingByRecipient = new Map<string, number>();
  /** from|to → id of the pending invitation between them. */
  private readonly pendingPairs = new Map<string, string>();
  /** InvitationQuota counters: to|address and to → pending ones from that address / from new IDs. */
  private readonly pendingByAddress = new Map<string, number>();
  private readonly pendingFromNew = new Map<string, number>();
  /** id → what a pending invitation counts against (the quota it was put with). */
  private readonly counted = new Map<string, { readonly address?: string; readonly fromNew: boolean }>();
  /** Every invitation once, pushed at put; entries for ones settled early are skipped on pop. */
  private readonly expiring = new MinHeap<Deadline>((d) => d.at);
  private readonly forgetting = new MinHeap<Deadline>((d) => d.at);
  private readonly graceMs: number;
  pending = 0;

  constructor(graceMs: number) {
    this.graceMs = graceMs;
  }

  sizes() {
    return {
      invitations: this.byId.size,
      pendingRecipients: this.pendingByRecipient.size,
      pendingPairs: this.pendingPairs.size,
      expiringHeap: this.expiring.size,
      forgettingHeap: this.forgetting.size,
    };
  }

  put(inv: Invitation, maxPendingPerRecipient: number, quota?: InvitationQuota): PutInvitationResult {
    if (inv.status !== 'pending') throw new TypeError(`invitation status: expected "pending", got ${JSON.stringify(inv.status)}`);
    this.prune(inv.createdAt);
    if (this.byId.has(inv.id) || this.pendingPairs.has(pairKey(inv))) return 'INVITE_DUPLICATE';
    const pendingForRecipient = this.pendingByRecipient.get(inv.to) ?? 0;
    if (pendingForRecipient >= maxPendingPerRecipient) return 'INVITE_LIMIT';
    if (quota !== undefined) {
      const addrKey = inv.to + '|' + quota.address;
      if ((this.pendingByAddress.get(addrKey) ?? 0) >= quota.maxPerAddress) return 'INVITE_LIMIT';
      if (quota.fromNew && (this.pendingFromNew.get(inv.to) ?? 0) >= quota.maxFromNew) return 'INVITE_LIMIT';
      bump(this.pendingByAddress, addrKey, 1);
      if (quota.fromNew) bump(this.pendingFromNew, inv.to, 1);
      this.counted.set(inv.id, { address: quota.address, fromNew: quota.fromNew });
    }
    this.byId.set(inv.id, { ...inv });
    this.pendingByRecipient.set(inv.to, pendingForRecipient + 1);
    this.pendingPairs.set(pairKey(inv), inv.id);
    this.pending++;
    this.expiring.push({ at: inv.expiresAt, id: inv.id });
    return 'ok';
  }

  get(id: string, now: number): Invitation | undefined {
    this.prune(now);
    return this.byId.get(id);
  }

  transition(id: string, status: Settled, now: number): Invitation | undefined {
    this.prune(now);
    const inv = this.byId.get(id);
    // Past expiresAt only takeExpired may settle it, so both parties are told "expired" exactly once.
    if (inv === undefined || inv.status !== 'pending' || now >= inv.expiresAt) return undefined;
    return this.settle(inv, status);
  }

  takeExpired(now: number, max: number): Invitation[] {
    this.prune(now);
    const out: Invitation[] = [];
    for (let top = this.expiring.peek(); top !== undefined && top.at <= now && out.length < max; top = this.expiring.peek()) {
      this.expiring.pop();
      const inv = this.byId.get(top.id);
      if (inv !== undefined && this.isPendingAt(top)) out.push(this.settle(inv, 'expired'));
    }
    return out;
  }

  /** Forgets settled invitations whose grace has passed; a late answer until then is NOT_PENDING, not NOT_FOUND. */
  prune(now: number): void {
    // Expiry deadlines of invitations settled early are dead weight; drop them as they surface.
    for (let top = this.expiring.peek(); top !== undefined && !this.isPendingAt(top); top = this.expiring.peek()) this.expiring.pop();
    for (let top = this.forgetting.peek(); top !== undefined && top.at <= now; top = this.forgetting.peek()) {
      this.forgetting.pop();
      const inv = this.byId.get(top.id);
      if (inv !== undefined && inv.status !== 'pending' && inv.expiresAt + this.graceMs === top.at) this.byId.delete(top.id);
    }
  }

  private isPendingAt(d: Deadline): boolean {
    const inv = this.byId.get(d.id);
    return inv !== undefined && inv.status === 'pending' && inv.expiresAt === d.at;
  }

  private settle(inv: Invitation, status: Settled): Invitation {
    const next: Invitation = { ...inv, status };
    this.byId.set(inv.id, next);
    const n = (this.pendingByRecipient.get(inv.to) ?? 1) - 1;
    if (n > 0) this.pendingByRecipient.set(inv.to, n);
    else this.pendingByRecipient.delete(inv.to);
    this.pendingPairs.delete(pairKey(inv));
    const c = this.counted.get(inv.id);
    if (c !== undefined) {
      this.counted.delete(inv.id);
      if (c.address !== undefined) bump(this.pendingByAddress, inv.to + '|' + c.address, -1);
      if (c.fromNew) bump(this.pendingFromNew, inv.to, -1);
    }
    this.pending--;
    this.forgetting.push({ at: inv.expiresAt + this.graceMs, id: inv.id });
    return next;
  }
}

function bump(map: Map<string, number>, key: string, by: number): void {
  const n = (map.get(key) ?? 0) + by;
  if (n > 0) map.set(key, n);
  else map.delete(key);
}

function pairKey(inv: Pick<Invitation, 'from' | 'to'>): string {
  return inv.from + '|' + inv.to;
}
