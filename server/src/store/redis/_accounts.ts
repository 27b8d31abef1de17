// Account documents and unblocks in Redis (docs/protocol.md "Account document"): one hash per
// identity holding the sealed blob and its CAS version, and the latest unblock per (from, to).
// Key names carry keyed hashes only (_redisKeys.ts):
//   a:{<sid>}          hash v (version), b (blob)       TTL: ACCOUNT_TTL, refreshed at each auth
//   u:{<from>}:<to>    string the latest unblock iat     TTL: the unblock's
import { PUT_ACCOUNT } from './_lua.ts';
import type { KeyHasher } from './_keys.ts';
import { Script, type CommandSender } from './_script.ts';
import type { AccountBlob, BlockState, PutAccountResult } from '../types.ts';
import { ms } from './_util.ts';

/** KEYS u:{from}:to. ARGV iat, ttlMs. Keeps the latest iat and the longer life. */
const PUT_UNBLOCK = new Script(`
local cur = redis.call('GET', KEYS[1])
local ttl = tonumber(ARGV[2])
if cur and tonumber(cur) >= tonumber(ARGV[1]) then
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
return 1
`);
const PUT = new Script(PUT_ACCOUNT);

export class RedisAccounts {
  constructor(
    private readonly redis: CommandSender,
    private readonly prefix: string,
    private readonly keys: KeyHasher,
  ) {}

  async putUnblock(from: string, to: string, iat: number, ttlMs: number): Promise<void> {
    await PUT_UNBLOCK.run(this.redis, [this.key('u', from, to)], [iat, ms(ttlMs)]);
  }

  /** Asked on every send: one MGET (the revocation key r:{from}:to carries from's hash tag too), not two GETs. */
  async blockState(revocationKey: string, from: string, to: string): Promise<BlockState> {
    const [r, u] = await this.redis.sendCommand<(string | null)[]>(['MGET', revocationKey, this.key('u', from, to)]);
    return { ...(r != null && { revokedAt: Number(r) }), ...(u != null && { unblockedAt: Number(u) }) };
  }

  async get(sid: string): Promise<AccountBlob | undefined> {
    const [v, b] = await this.redis.sendCommand<(string | null)[]>(['HMGET', this.key('a', sid), 'v', 'b']);
    return v == null || b == null ? undefined : { version: Number(v), blob: b };
  }

  async put(sid: string, expected: number, blob: string, ttlMs: number): Promise<PutAccountResult> {
    const r = await PUT.run<[number, number, string?]>(this.redis, [this.key('a', sid)], [expected, blob, ms(ttlMs)]);
    if (r[0] === 1) return { ok: true, version: r[1] };
    return { ok: false, current: r[2] === undefined || r[2] === null ? undefined : { version: r[1], blob: r[2] } };
  }

  async touch(sid: string, ttlMs: number): Promise<void> {
    await this.redis.sendCommand(['PEXPIRE', this.key('a', sid), String(ms(ttlMs))]);
  }

  private key(kind: 'a' | 'u', sid: string, to?: string): string {
    return `${this.prefix}${kind}:{${this.keys.idKey(sid)}}${to === undefined ? '' : ':' + this.keys.idKey(to)}`;
  }
}
