// A Web Push service for tests, as a real one (FCM, Mozilla autopush, Apple) and the browser behind
// it would treat a push: it checks the VAPID authorisation (RFC 8292: an ES256 JWT whose aud is this
// service's origin, exp in the future and at most 24 h away, sub a mailto: or https: contact, signed
// by the key in k=), the headers (TTL, Urgency, Topic, Content-Encoding), and decrypts the aes128gcm
// body (RFC 8188 / RFC 8291) with the subscription's private key and auth secret, which only it and
// the "browser" hold. Plain HTTP on 127.0.0.1: the relay reaches it with PUSH_ALLOW_PRIVATE, whose
// agent opens plain TCP under web-push's https.request (shared/DESIGN.md "Push").
// It answers 201, or what a test tells it (410 gone, 429 with Retry-After, 500), and can hold its
// answers until released, so a test can see what arrives while a push is in flight.
import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify as verifySig, type ECDH } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { closeServer, HOST, listenOnFreePort } from './net.ts';

export interface TestSubscription {
  readonly id: string;
  /** What a browser's PushSubscription.toJSON() gives: endpoint and keys, base64url. */
  readonly endpoint: string;
  readonly p256dh: string;
  readonly auth: string;
}

export interface ReceivedPush {
  readonly subscription: string;
  /** Decrypted body; empty for a wake-up without payload. */
  readonly payload: Buffer;
  /** Size of the encrypted body on the wire. */
  readonly bodyBytes: number;
  readonly ttl: number;
  readonly urgency: string | undefined;
  readonly topic: string | undefined;
  /** The verified JWT claims. */
  readonly claims: { aud: string; exp: number; sub: string };
  readonly vapidKey: string;
  /** The status this service answered with. */
  readonly status: number;
}

interface Held {
  readonly sub: { ecdh: ECDH; auth: Buffer; publicKey: Buffer };
}

export interface Answer {
  readonly status: number;
  readonly headers?: Record<string, string>;
}

export class TestPushService {
  readonly received: ReceivedPush[] = [];
  /** Requests refused before decryption, with why (a failing check fails the test that looks). */
  readonly refused: { status: number; reason: string }[] = [];
  private readonly subs = new Map<string, Held>();
  private readonly answers: Answer[] = [];
  private holding = false;
  private held: (() => void)[] = [];
  private waiters: { match: (p: ReceivedPush) => boolean; resolve: (p: ReceivedPush) => void }[] = [];

  private constructor(
    private readonly server: Server,
    readonly origin: string,
  ) {}

  static async start(): Promise<TestPushService> {
    let svc: TestPushService | undefined;
    const server = createServer((req, res) => void svc!.handle(req, res));
    svc = new TestPushService(server, `http://${HOST}:${await listenOnFreePort(server)}`);
    return svc;
  }

  /** A new subscription, as a browser would create with pushManager.subscribe(). */
  subscribe(): TestSubscription {
    const id = randomBytes(12).toString('hex');
    const ecdh = createECDH('prime256v1');
    const publicKey = ecdh.generateKeys();
    const auth = randomBytes(16);
    this.subs.set(id, { sub: { ecdh, auth, publicKey } });
    return { id, endpoint: `${this.origin}/push/${id}`, p256dh: publicKey.toString('base64url'), auth: auth.toString('base64url') };
  }

  /** The next answers, in order (then 201 again). */
  answerNext(...answers: Answer[]): void {
    this.answers.push(...answers);
  }

  /** Holds every answer until release(): pushes stay "in flight" for the sender. */
  hold(): void {
    this.holding = true;
  }

  release(): void {
    this.holding = false;
    for (const h of this.held.splice(0)) h();
  }

  forSubscription(id: string): ReceivedPush[] {
    return this.received.filter((p) => p.subscription === id);
  }

  /** The next push to subscription id (already received and not yet taken counts: pass `after`). */
  next(id: string, after = 0, timeoutMs = 10_000): Promise<ReceivedPush> {
    const have = this.forSubscription(id);
    if (have.length > after) return Promise.resolve(have[after]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no push #${after + 1} for ${id} within ${timeoutMs} ms`)), timeoutMs);
      let seen = have.length;
      const w = {
        match: (p: ReceivedPush) => p.subscription === id && seen++ === after,
        resolve: (p: ReceivedPush) => {
          clearTimeout(timer);
          resolve(p);
        },
      };
      this.waiters.push(w);
    });
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await closeServer(this.server);
  }

  private refuse(res: ServerResponse, status: number, reason: string): void {
    this.refused.push({ status, reason });
    res.writeHead(status, { 'content-type': 'text/plain' }).end(reason);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const m = /^\/push\/([0-9a-f]{24})$/.exec(req.url ?? '');
    const held = m ? this.subs.get(m[1]!) : undefined;
    if (req.method !== 'POST' || !m || !held) return this.refuse(res, 404, 'no such subscription');

    // RFC 8292 §3: Authorization: vapid t=<JWT>, k=<P-256 public key>
    const auth = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(req.headers.authorization ?? '');
    if (!auth) return this.refuse(res, 401, 'missing vapid authorization');
    const [jwt, k] = [auth[1]!, auth[2]!];
    const claims = verifyJwt(jwt, k, this.origin);
    if (typeof claims === 'string') return this.refuse(res, 403, claims);
    const ttl = Number(req.headers.ttl);
    if (!Number.isInteger(ttl) || ttl < 0) return this.refuse(res, 400, 'TTL header missing or invalid');
    const urgency = req.headers.urgency as string | undefined;
    if (urgency !== undefined && !['very-low', 'low', 'normal', 'high'].includes(urgency)) return this.refuse(res, 400, 'bad Urgency');
    const topic = req.headers.topic as string | undefined;
    if (topic !== undefined && !/^[A-Za-z0-9_-]{1,32}$/.test(topic))
      return this.refuse(res, 400, 'bad Topic (RFC 8030 §5.4: at most 32 base64url characters)');
    if (body.length > 4096) return this.refuse(res, 413, 'payload larger than 4096 bytes');

    let payload: Buffer = Buffer.alloc(0);
    if (body.length > 0) {
      if (req.headers['content-encoding'] !== 'aes128gcm') return this.refuse(res, 415, 'Content-Encoding must be aes128gcm');
      try {
        payload = decrypt(body, held.sub);
      } catch (err) {
        return this.refuse(res, 400, `cannot decrypt: ${(err as Error).message}`);
      }
    }
    const answer = this.answers.shift() ?? { status: 201 };
    const push: ReceivedPush = {
      subscription: m[1]!,
      payload,
      bodyBytes: body.length,
      ttl,
      urgency,
      topic,
      claims,
      vapidKey: k,
      status: answer.status,
    };
    this.received.push(push);
    for (const w of [...this.waiters]) {
      if (w.match(push)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(push);
      }
    }
    const reply = () => res.writeHead(answer.status, answer.headers ?? {}).end();
    if (this.holding) this.held.push(reply);
    else reply();
  }
}

/** The claims, or why the JWT is refused. */
function verifyJwt(jwt: string, k: string, origin: string): { aud: string; exp: number; sub: string } | string {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'JWT is not three parts';
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: string; typ?: string };
  let claims: { aud?: unknown; exp?: unknown; sub?: unknown };
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString()) as typeof header;
    claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as typeof claims;
  } catch {
    return 'JWT is not JSON';
  }
  if (header.alg !== 'ES256') return `JWT alg ${String(header.alg)}, not ES256`;
  const point = Buffer.from(k, 'base64url');
  if (point.length !== 65 || point[0] !== 4) return 'k is not an uncompressed P-256 point';
  const key = createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
    format: 'jwk',
  });
  const ok = verifySig('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) return 'JWT signature does not verify with k';
  if (claims.aud !== origin) return `JWT aud ${String(claims.aud)} is not ${origin}`;
  const now = Math.floor(Date.now() / 1000);
  if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 24 * 3600) return 'JWT exp is not within the next 24 hours';
  if (typeof claims.sub !== 'string' || !/^(mailto:|https:)/.test(claims.sub)) return 'JWT sub is not a mailto: or https: contact';
  return { aud: claims.aud, exp: claims.exp, sub: claims.sub };
}

/** RFC 8291 §3.4 + RFC 8188: one record, as the browser decrypts it. */
function decrypt(body: Buffer, sub: { ecdh: ECDH; auth: Buffer; publicKey: Buffer }): Buffer {
  const salt = body.subarray(0, 16);
  const rs = body.readUInt32BE(16);
  const idlen = body[20]!;
  const asPublic = body.subarray(21, 21 + idlen);
  const ct = body.subarray(21 + idlen);
  if (idlen !== 65) throw new Error('keyid is not a P-256 public key');
  if (ct.length > rs) throw new Error('more than one record');
  const secret = sub.ecdh.computeSecret(asPublic);
  const keyInfo = Buffer.concat([Buffer.from('WebPush: info\0'), sub.publicKey, asPublic]);
  const ikm = Buffer.from(hkdfSync('sha256', secret, sub.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: aes128gcm\0'), 16));
  const nonce = Buffer.from(hkdfSync('sha256', ikm, salt, Buffer.from('Content-Encoding: nonce\0'), 12));
  const d = createDecipheriv('aes-128-gcm', cek, nonce);
  d.setAuthTag(ct.subarray(ct.length - 16));
  const plain = Buffer.concat([d.update(ct.subarray(0, ct.length - 16)), d.final()]);
  // The last record ends with the delimiter 0x02 and then zero padding.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end--;
  if (end < 0 || plain[end] !== 2) throw new Error('no last-record padding delimiter');
  return plain.subarray(0, end);
}
