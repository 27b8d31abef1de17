// Invitations in Redis: one hash per invitation, the two indexes of _invitations.ts as keys (pending
// count per recipient, the pending id per pair) and a ZSET by expiresAt for expiry. Each change is
// one script, so the instances racing to expire or answer an invitation settle it exactly once.
//   i:<id>           hash   from, to, ct, grant, c (createdAt), e (expiresAt), s (status)
//   ip:<to>          string pending invitations to that recipient
//   ipp:{<from>}:<to> string the id of the pending invitation between them
// (<from>, <to>: key fragments of the Session IDs, store.idKey; the hash keeps the IDs as values,
// since the server must deliver them.)
//   iexp             zset   pending id → expiresAt
//   ia:{<to>}:<a>    string pending invitations to <to> from one client address (<a>: a keyed hash
//                           of the address; InvitationQuota), gone with the last of them
//   iy:{<to>}        string pending invitations to <to> from Session IDs first seen recently
// A pending one lives until expired (its keys until expiresAt + grace + keyGrace, should no
// instance expire it); a settled one until expiresAt + grace, then its id is free again.
import type { KeyHasher } from './_keys.ts';
import { Script, type CommandSender } from './_script.ts';
import type { Invitation, InvitationQuota, PutInvitationResult } from '../types.ts';

type Settled = Exclude<Invitation['status'], 'pending'>;

/**
 * KEYS: i:id, ip:to, ipp:from|to, iexp, g, ia:to:address, iy:to.
 * ARGV: id, from, to, ct, grant, createdAt, expiresAt, maxPending, graceMs, keyGraceMs,
 * maxPerAddress (-1: no quota), fromNew (1|0), maxFromNew, address hash.
 */
const PUT_INVITATION = `
local id, createdAt, expiresAt = ARGV[1], tonumber(ARGV[6]), tonumber(ARGV[7])
local grace, keyGrace = tonumber(ARGV[9]), tonumber(ARGV[10])
local old = redis.call('HMGET', KEYS[1], 's', 'e')
if old[1] then
  -- A settled invitation is known until expiresAt + grace; after that its id is free again.
  if old[1] == 'pending' or tonumber(old[2]) + grace > createdAt then return 'INVITE_DUPLICATE' end
  redis.call('DEL', KEYS[1])
end
if redis.call('EXISTS', KEYS[3]) == 1 then return 'INVITE_DUPLICATE' end
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[8]) then return 'INVITE_LIMIT' end
local quota, fromNew = tonumber(ARGV[11]) >= 0, ARGV[12] == '1'
if quota and tonumber(redis.call('GET', KEYS[6]) or '0') >= tonumber(ARGV[11]) then return 'INVITE_LIMIT' end
if quota and fromNew and tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[13]) then return 'INVITE_LIMIT' end
local ttl = math.max(1, expiresAt - createdAt) + grace + keyGrace
redis.call('HSET', KEYS[1], 'from', ARGV[2], 'to', ARGV[3], 'ct', ARGV[4], 'grant', ARGV[5], 'c', ARGV[6], 'e', ARGV[7], 's', 'pending')
if quota then
  redis.call('HSET', KEYS[1], 'a', ARGV[14], 'y', fromNew and '1' or '0')
  redis.call('INCR', KEYS[6])
  if redis.call('PTTL', KEYS[6]) < ttl then redis.call('PEXPIRE', KEYS[6], ttl) end
  if fromNew then
    redis.call('INCR', KEYS[7])
    if redis.call('PTTL', KEYS[7]) < ttl then redis.call('PEXPIRE', KEYS[7], ttl) end
  end
end
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('INCR', KEYS[2])
if redis.call('PTTL', KEYS[2]) < ttl then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('SET', KEYS[3], id, 'PX', ttl)
redis.call('ZADD', KEYS[4], ARGV[7], id)
if redis.call('PTTL', KEYS[4]) == -1 then redis.call('PEXPIRE', KEYS[4], keyGrace) end
redis.call('HINCRBY', KEYS[5], 'inv', 1)
if redis.call('PTTL', KEYS[5]) == -1 then redis.call('PEXPIRE', KEYS[5], keyGrace) end
return 'ok'
`;

/**
 * pending → status, as a compare-and-set. KEYS: i:id, ip:to, ipp:from|to, iexp, g, ia:to:address, iy:to.
 * ARGV: id, status, now, mode ('answer': only before expiresAt | 'expire': only from expiresAt on),
 * graceMs → {from, to, ct, grant, createdAt, expiresAt} or nil.
 */
const SETTLE_INVITATION = `
local id, status, now, mode, grace = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local f = redis.call('HMGET', KEYS[1], 'from', 'to', 'ct', 'grant', 'c', 'e', 's', 'a', 'y')
if f[7] ~= 'pending' then
  if mode == 'expire' then redis.call('ZREM', KEYS[4], id) end
  return nil
end
local expiresAt = tonumber(f[6])
-- Past expiresAt only expiry may settle it, so both parties are told "expired" exactly once.
if mode == 'answer' and now >= expiresAt then return nil end
if mode == 'expire' and now < expiresAt then return nil end
redis.call('HSET', KEYS[1], 's', status)
-- Known (a late answer is NOT_PENDING, not NOT_FOUND) until expiresAt + grace; a minute of slack
-- for clock skew between this instance and Redis, since reads check the logical deadline anyway.
redis.call('PEXPIRE', KEYS[1], math.max(1, expiresAt + grace - now) + 60000)
if redis.call('DECR', KEYS[2]) <= 0 then redis.call('DEL', KEYS[2]) end
if f[8] and redis.call('DECR', KEYS[6]) <= 0 then redis.call('DEL', KEYS[6]) end
if f[9] == '1' and redis.call('DECR', KEYS[7]) <= 0 then redis.call('DEL', KEYS[7]) end
if redis.call('GET', KEYS[3]) == id then redis.call('DEL', KEYS[3]) end
redis.call('ZREM', KEYS[4], id)
redis.call('HINCRBY', KEYS[5], 'inv', -1)
return { f[1], f[2], f[3], f[4], f[5], f[6] }
`;

const PUT = new Script(PUT_INVITATION);
const SETTLE = new Script(SETTLE_INVITATION);

export class RedisInvitations {
  private readonly client: CommandSender;
  private readonly prefix: string;
  private readonly hasher: KeyHasher;
  private readonly graceMs: number;
  private readonly keyGraceMs: number;

  constructor(client: CommandSender, prefix: string, hasher: KeyHasher, graceMs: number, keyGraceMs: number) {
    this.client = client;
    this.prefix = prefix;
    this.hasher = hasher;
    this.graceMs = graceMs;
    this.keyGraceMs = keyGraceMs;
  }

  async put(inv: Invitation, maxPendingPerRecipient: number, quota?: InvitationQuota): Promise<PutInvitationResult> {
    if (inv.status !== 'pending') throw new TypeError(`invitation status: expected "pending", got ${JSON.stringify(inv.status)}`);
    // Only a keyed hash of the address is stored, and only while the invitation is pending.
    const addr = quota === undefined ? '' : this.hasher.bucketKey('invite-addr:' + quota.address);
    const args = [
      inv.id,
      inv.from,
      inv.to,
      inv.ct,
      inv.grant,
      inv.createdAt,
      inv.expiresAt,
      maxPendingPerRecipient,
      this.graceMs,
      this.keyGraceMs,
      quota?.maxPerAddress ?? -1,
      quota?.fromNew ? 1 : 0,
      quota?.maxFromNew ?? 0,
      addr,
    ];
    return PUT.run<PutInvitationResult>(this.client, this.keys(inv.id, inv.from, inv.to, addr), args);
  }

  async get(id: string, now: number): Promise<Invitation | undefined> {
    const h = await this.client.sendCommand<(string | null)[] | null>([
      'HMGET',
      this.prefix + 'i:' + id,
      'from',
      'to',
      'ct',
      'grant',
      'c',
      'e',
      's',
    ]);
    if (h === null || h[6] == null) return undefined;
    const inv = invitationOf(id, h, h[6] as Invitation['status']);
    // Settled ones are forgotten at expiresAt + grace (Redis drops the key a little later).
    if (inv.status !== 'pending' && now >= inv.expiresAt + this.graceMs) return undefined;
    return inv;
  }

  transition(id: string, status: Settled, now: number): Promise<Invitation | undefined> {
    return this.settle(id, status, now, 'answer');
  }

  async takeExpired(now: number, max: number): Promise<Invitation[]> {
    if (!(max > 0)) return [];
    const ids = await this.client.sendCommand<string[]>([
      'ZRANGEBYSCORE',
      this.prefix + 'iexp',
      '-inf',
      String(now),
      'LIMIT',
      '0',
      String(Math.floor(max)),
    ]);
    const taken = await Promise.all(ids.map((id) => this.settle(id, 'expired', now, 'expire')));
    return taken.filter((inv): inv is Invitation => inv !== undefined);
  }

  /** The CAS pending → status; the script needs the parties' index keys, so it reads them first. */
  private async settle(id: string, status: Settled, now: number, mode: 'answer' | 'expire'): Promise<Invitation | undefined> {
    const parties = await this.client.sendCommand<(string | null)[] | null>(['HMGET', this.prefix + 'i:' + id, 'from', 'to', 'a']);
    const [from, to, addr] = parties ?? [];
    if (from == null || to == null) {
      // Its key expired on its own (no instance expired it in time): drop the stale deadline.
      if (mode === 'expire') await this.client.sendCommand(['ZREM', this.prefix + 'iexp', id]);
      return undefined;
    }
    const r = await SETTLE.run<string[] | null>(this.client, this.keys(id, from, to, addr ?? ''), [id, status, now, mode, this.graceMs]);
    return r === null ? undefined : invitationOf(id, r, status);
  }

  private keys(id: string, from: string, to: string, addr: string): string[] {
    const p = this.prefix;
    const f = this.hasher.idKey(from);
    const t = this.hasher.idKey(to);
    return [p + 'i:' + id, p + 'ip:' + t, `${p}ipp:{${f}}:${t}`, p + 'iexp', p + 'g', `${p}ia:{${t}}:${addr}`, `${p}iy:{${t}}`];
  }
}

/** From [from, to, ct, grant, createdAt, expiresAt, ...]. */
function invitationOf(id: string, f: readonly (string | null)[], status: Invitation['status']): Invitation {
  return { id, from: f[0]!, to: f[1]!, ct: f[2]!, grant: f[3]!, createdAt: Number(f[4]), expiresAt: Number(f[5]), status };
}
