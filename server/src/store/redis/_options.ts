// How a RedisStore is opened (redis.ts): the connection, the key prefix and secret, and the timings.

export interface RedisStoreOptions {
  /** redis[s]://[[user][:password]@]host[:port][/db] */
  readonly url: string;
  /** Prepended to every key; instances that share a prefix share one store. Default "sm:". */
  readonly keyPrefix?: string;
  /** REDIS_ID_SECRET: keys the hash that replaces Session IDs in key names (_redisKeys.ts). */
  readonly idSecret: string;
  /** Default `now` for sweep(). Nonce and revocation TTLs run on Redis's own clock. */
  readonly clock?: () => number;
  readonly log?: (event: string, fields: Record<string, unknown>) => void;
  /** How long start-up keeps trying to reach Redis before it fails (default 5 s). */
  readonly connectTimeoutMs?: number;
  /**
   * How long keys outlive their logical deadline when no instance tidies them, and how long the
   * epoch outlives the last running instance (default 24 h). Past that an instance crash leaves
   * nothing behind, and a fleet that was down longer starts a new epoch.
   */
  readonly keyGraceMs?: number;
  /** How long a settled invitation stays known after expiresAt (default 1 h, as MemoryStore). */
  readonly invitationGraceMs?: number;
  /** Epoch check interval (default 5 s; 0: only on reconnect and when a script refuses). */
  readonly epochCheckMs?: number;
  /** Epoch token generator; 128 random bits as hex by default. */
  readonly random?: () => string;
}
