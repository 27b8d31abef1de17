// Grants proven authentic, shared by every instance on this Redis (issue 14): after a restart or a
// failover, a reconnect storm finds its grants here instead of costing 50 signature checks per
// device. Members are hashes of whole grant records (verifyWorker.ts): the record includes the
// grant's 64-byte signature, so a member cannot be tested against a list of Session IDs, and the
// key names the holder by its key fragment (KeyHasher), never by its ID.
//   ga:{<holder>}  zset  <SHA-256 of a grant record, base64> → the grant's exp   TTL: the latest exp
// Redis is trusted with this as with every other decision it stores (revocations, nonces): a
// member written there is a grant the server will not verify again (docs/security.md).
import type { KeyHasher } from './_keys.ts';
import { Script, type CommandSender } from './_script.ts';

/** KEYS: ga:{holder}. ARGV: exp, hash, exp, hash, … Drops lapsed members, adds these, extends the TTL. */
const REMEMBER = new Script(`
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(t[1]) * 1000)
local last = 0
for i = 1, #ARGV, 2 do
  redis.call('ZADD', KEYS[1], ARGV[i], ARGV[i + 1])
  last = math.max(last, tonumber(ARGV[i]))
end
if redis.call('PEXPIRETIME', KEYS[1]) < last then redis.call('PEXPIREAT', KEYS[1], last) end
return 1
`);

export class RedisGrantCache {
  constructor(
    private readonly client: CommandSender,
    private readonly prefix: string,
    private readonly keys: KeyHasher,
  ) {}

  async known(holder: string, hashes: readonly string[]): Promise<boolean[]> {
    if (hashes.length === 0) return [];
    const scores = await this.client.sendCommand<(string | null)[]>(['ZMSCORE', this.key(holder), ...hashes]);
    return scores.map((s) => s !== null);
  }

  async remember(holder: string, hashes: readonly string[], exps: readonly number[]): Promise<void> {
    if (hashes.length === 0) return;
    const args: (string | number)[] = [];
    for (let i = 0; i < hashes.length; i++) args.push(Math.floor(exps[i]!), hashes[i]!);
    await REMEMBER.run(this.client, [this.key(holder)], args);
  }

  private key(holder: string): string {
    return `${this.prefix}ga:{${this.keys.idKey(holder)}}`;
  }
}
