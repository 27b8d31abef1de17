// The Bus across instances: Redis pub/sub, one channel per Session ID, subscribed only while this
// instance holds a socket of that ID (identity channel) or a socket watching its presence
// (presence channel). No instance receives, let alone scans, traffic for users it holds nothing of.
//
// Channels (under the store's key prefix; `{sid}` is the hash tag the store's keys use, so in a
// sharded pub/sub a channel lives on the shard that holds the identity's keys):
//   u:{sid}  what handlers send to sid's sockets: "<instance>|e|<type>|<offset>|<text>" (stream
//            entry), "<instance>|f|<type>|<text>" (frame), "<instance>|g|<grant JSON>",
//            "<instance>|r|<from>|<iat>"
//   p:{sid}  "1:<ts>" / "0:<ts>": sid's presence changed (published by redisPresence.ts's scripts)
// Sharded pub/sub (SSUBSCRIBE/SPUBLISH, Redis ≥ 7) when the server has it, classic otherwise.
//
// Delivery: the instance a handler runs on dispatches to its own sockets at once (exceptConn
// applies there) and publishes for the others; each instance drops what it published itself. So a
// local socket gets each message once, and local delivery goes on while Redis is away. Presence
// changes are the exception: they are published by the script that makes them, and every
// instance, the one that made them included, delivers them from the channel, in Redis's order.
//
// Losses: an entry published while an instance was not (yet) subscribed, or while Redis was away,
// is in the store. Each socket catches up from the store when its channel's subscription is
// confirmed and whenever the subscriber comes back; entries that arrive out of order are caught
// up the same way (feed.ts), so order and completeness never depend on pub/sub.
import type { Grant, ServerFrameType } from '../../../protocol/index.ts';
import type { Bus, BusMessage, Hub, HubListener } from '../hub.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../http/metrics.ts';
import { frameString, type EntryKind } from '../store/types.ts';
import type { RedisStore } from '../store/redis/redis.ts';

export type PubSubMode = 'sharded' | 'classic';

type Client = RedisStore['redis'];

export interface RedisBusOptions {
  readonly hub: Hub;
  readonly store: RedisStore;
  readonly instanceId: string;
  /** auto: sharded when the server is Redis 7 or later. */
  readonly mode: PubSubMode | 'auto';
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** Sharded pub/sub exists from Redis 7.0 on. */
export async function detectPubSubMode(redis: Client): Promise<PubSubMode> {
  const info = await redis.sendCommand<string>(['INFO', 'server']);
  const major = Number(/redis_version:(\d+)/.exec(info)?.[1] ?? 0);
  return major >= 7 ? 'sharded' : 'classic';
}

export class RedisBus implements Bus, HubListener {
  readonly mode: PubSubMode;
  readonly instanceId: string;
  private readonly hub: Hub;
  private readonly pub: Client;
  private readonly sub: Client;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly metrics: Metrics;
  private readonly type: 'SHARDED' | 'CHANNELS';
  /** Channels some local socket needs. */
  private readonly wanted = new Set<string>();
  /** Channel → Session ID: channel names carry only a key fragment (store.idKey), not the ID. */
  private readonly sids = new Map<string, string>();
  private readonly idKey: (sid: string) => string;
  /** Per channel, the (un)subscription in flight: one at a time, each brings Redis in line with `wanted`. */
  private readonly pending = new Map<string, Promise<void>>();
  private closed = false;
  /** A connection dropped since the last resync: sockets may have missed messages. */
  private missed = false;
  private storeUp: boolean;
  private readonly recovered: (() => void)[] = [];

  private constructor(opts: RedisBusOptions, mode: PubSubMode, sub: Client) {
    this.hub = opts.hub;
    this.pub = opts.store.redis;
    this.sub = sub;
    this.mode = mode;
    this.type = mode === 'sharded' ? 'SHARDED' : 'CHANNELS';
    this.instanceId = opts.instanceId;
    this.prefix = opts.store.keyPrefix;
    this.idKey = (sid) => opts.store.idKey(sid);
    this.log = opts.log;
    this.metrics = opts.metrics;
    this.storeUp = opts.store.connected;
  }

  /** Connects the subscriber (a second connection: a subscribed one takes no other commands). */
  static async create(opts: RedisBusOptions): Promise<RedisBus> {
    const mode = opts.mode === 'auto' ? await detectPubSubMode(opts.store.redis) : opts.mode;
    const sub = opts.store.redis.duplicate();
    const bus = new RedisBus(opts, mode, sub);
    sub.on('error', (err: unknown) => bus.down('subscriber', err));
    sub.on('ready', () => bus.up());
    opts.store.redis.on('error', (err: unknown) => bus.down('store', err));
    opts.store.redis.on('ready', () => {
      bus.storeUp = true;
      bus.up();
    });
    try {
      await sub.connect();
    } catch (err) {
      sub.destroy();
      throw err;
    }
    opts.hub.listen(bus);
    // Sockets that authenticated before the listener was in place (none in app.ts, but cheap).
    for (const sid of opts.hub.identities()) bus.identityAdded(sid);
    for (const target of opts.hub.watchedTargets()) bus.watchAdded(target);
    return bus;
  }

  /** Both connections up. */
  get connected(): boolean {
    return this.sub.isReady && this.pub.isReady;
  }

  identityChannel(sid: string): string {
    return `${this.prefix}u:{${this.idKey(sid)}}`;
  }

  presenceChannel(sid: string): string {
    return this.presenceChannelOf(this.idKey(sid));
  }

  /** The presence channel of a key fragment (what the presence registry keeps, not the ID). */
  presenceChannelOf(frag: string): string {
    return `${this.prefix}p:{${frag}}`;
  }

  get publishCommand(): 'SPUBLISH' | 'PUBLISH' {
    return this.mode === 'sharded' ? 'SPUBLISH' : 'PUBLISH';
  }

  // ---- Bus --------------------------------------------------------------------------------------

  toIdentity(sid: string, msg: BusMessage, exceptConn?: number): void {
    this.hub.dispatch(sid, msg, exceptConn);
    this.publish(this.identityChannel(sid), this.encode(msg));
  }

  /** Every instance, this one included, delivers it from the channel (see the header). */
  presence(sid: string, online: boolean, ts: number): void {
    this.publish(this.presenceChannel(sid), `${online ? 1 : 0}:${ts}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.hub.listen(undefined);
    try {
      await this.sub.close();
    } catch {
      this.sub.destroy();
    }
  }

  /** Drops the subscriber without a word (crash simulation). */
  kill(): void {
    this.closed = true;
    this.hub.listen(undefined);
    this.sub.destroy();
  }

  /** Resolves once the subscription to sid's presence channel is settled (in place, or failed). */
  subscribed(sid: string): Promise<void> {
    return this.pending.get(this.presenceChannel(sid)) ?? Promise.resolve();
  }

  // ---- HubListener ------------------------------------------------------------------------------

  identityAdded(sid: string): void {
    this.want(this.identityChannel(sid), sid, true);
  }

  identityRemoved(sid: string): void {
    this.want(this.identityChannel(sid), sid, false);
  }

  watchAdded(target: string): void {
    this.want(this.presenceChannel(target), target, true);
  }

  watchRemoved(target: string): void {
    this.want(this.presenceChannel(target), target, false);
  }

  // ---- subscriptions ----------------------------------------------------------------------------

  private want(channel: string, sid: string, yes: boolean): void {
    if (yes) {
      this.wanted.add(channel);
      this.sids.set(channel, sid);
    } else {
      this.wanted.delete(channel);
    }
    this.reconcile(channel);
  }

  private reconcile(channel: string): void {
    const prev = this.pending.get(channel);
    const next = (prev ?? Promise.resolve()).then(() => this.apply(channel));
    this.pending.set(channel, next);
    void next.finally(() => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    });
  }

  /** Brings one channel's subscription in line with `wanted`; never rejects. */
  private async apply(channel: string): Promise<void> {
    if (this.closed) return;
    const want = this.wanted.has(channel);
    // node-redis' own record: what it resubscribes by itself after a reconnect.
    const have = this.sub.getPubSubListeners(this.type).has(channel);
    try {
      if (want && !have) {
        if (this.mode === 'sharded') await this.sub.sSubscribe(channel, this.onMessage);
        else await this.sub.subscribe(channel, this.onMessage);
        // Anything appended before the subscription was in place is in the store.
        const sid = this.sids.get(channel);
        if (this.isIdentityChannel(channel) && sid !== undefined) this.hub.resync(sid);
      } else if (!want && have) {
        if (this.mode === 'sharded') await this.sub.sUnsubscribe(channel, this.onMessage);
        else await this.sub.unsubscribe(channel, this.onMessage);
      }
      if (!this.wanted.has(channel) && !this.sub.getPubSubListeners(this.type).has(channel)) this.sids.delete(channel);
    } catch (err) {
      // Offline: the reconnect brings every channel in line again (up()).
      this.missed = true;
      this.log.debug('bus_subscription_failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private down(which: 'store' | 'subscriber', err: unknown): void {
    if (which === 'store') this.storeUp = false;
    if (!this.missed && !this.closed)
      this.log.warn('bus_redis_down', { connection: which, error: err instanceof Error ? err.message : String(err) });
    this.missed = true;
  }

  /** A connection is back: once both are, resubscribe what is missing and let every socket catch up. */
  private up(): void {
    if (this.closed || !this.missed || !this.sub.isReady || !this.storeUp || !this.pub.isReady) return;
    this.missed = false;
    this.metrics.inc('bus_reconnects_total');
    this.log.info('bus_redis_up', { channels: this.wanted.size });
    const registered = [...this.sub.getPubSubListeners(this.type).keys()];
    for (const channel of new Set([...this.wanted, ...registered])) this.reconcile(channel);
    this.hub.resync();
    for (const cb of this.recovered) cb();
  }

  /** cb runs after an outage, once both connections are back and the sockets are catching up. */
  onRecovered(cb: () => void): void {
    this.recovered.push(cb);
  }

  // ---- messages ---------------------------------------------------------------------------------

  private publish(channel: string, message: string): void {
    if (this.closed) return;
    this.pub.sendCommand([this.publishCommand, channel, message]).then(
      () => this.metrics.inc('bus_messages_total', 'published'),
      (err: unknown) => {
        // The local sockets were served; the others catch up from the store when Redis is back.
        this.metrics.inc('bus_messages_total', 'publish_failed');
        this.log.debug('bus_publish_failed', { error: err instanceof Error ? err.message : String(err) });
      },
    );
  }

  private encode(msg: BusMessage): string {
    const o = this.instanceId;
    switch (msg.kind) {
      case 'entry':
        return `${o}|e|${msg.type}|${msg.offset}|${frameString(msg.text)}`;
      case 'frame':
        return `${o}|f|${msg.type}|${msg.text}`;
      case 'grant':
        return `${o}|g|${JSON.stringify(msg.grant)}`;
      case 'revoke':
        return `${o}|r|${msg.from}|${msg.iat}`;
    }
  }

  private readonly onMessage = (message: string, channel: string): void => {
    if (this.closed) return;
    const sid = this.sids.get(channel);
    // A message that raced an unsubscription: nobody here needs it any more.
    if (sid === undefined) return;
    if (!this.isIdentityChannel(channel)) {
      const colon = message.indexOf(':');
      const ts = Number(message.slice(colon + 1));
      if (colon !== 1 || !Number.isSafeInteger(ts)) return this.malformed();
      this.metrics.inc('bus_messages_total', 'received');
      this.hub.notifyPresence(sid, message[0] === '1', ts);
      return;
    }
    const a = message.indexOf('|');
    // What this instance published, it delivered already.
    if (message.slice(0, a) === this.instanceId) return;
    const msg = decode(message, a);
    if (msg === undefined) return this.malformed();
    this.metrics.inc('bus_messages_total', 'received');
    this.hub.dispatch(sid, msg);
  };

  private malformed(): void {
    this.metrics.inc('bus_messages_total', 'malformed');
  }

  private isIdentityChannel(channel: string): boolean {
    return channel.charCodeAt(this.prefix.length) === 117; // 'u'
  }
}

/** The message after its instance id (which ends at index a). */
function decode(message: string, a: number): BusMessage | undefined {
  if (a < 0) return undefined;
  const kind = message[a + 1];
  const rest = a + 3;
  try {
    switch (kind) {
      case 'e': {
        const b = message.indexOf('|', rest);
        const c = message.indexOf('|', b + 1);
        const offset = Number(message.slice(b + 1, c));
        if (b < 0 || c < 0 || !Number.isSafeInteger(offset)) return undefined;
        return { kind: 'entry', type: message.slice(rest, b) as EntryKind, offset, text: message.slice(c + 1) };
      }
      case 'f': {
        const b = message.indexOf('|', rest);
        if (b < 0) return undefined;
        return { kind: 'frame', type: message.slice(rest, b) as ServerFrameType, text: message.slice(b + 1) };
      }
      case 'g':
        return { kind: 'grant', grant: JSON.parse(message.slice(rest)) as Grant };
      case 'r': {
        const b = message.indexOf('|', rest);
        const iat = Number(message.slice(b + 1));
        if (b < 0 || !Number.isSafeInteger(iat)) return undefined;
        return { kind: 'revoke', from: message.slice(rest, b), iat };
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}
