// Attachments end to end through a real server: sealed on the sender's device, uploaded in parts,
// referenced from a message that reaches the contact's devices and the sender's other devices,
// downloaded and checked. Offline waiting, resuming after a failed part, cancelling, tampering.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '@noble/hashes/sha2.js';
import { ATTACHMENT_CHUNK_BYTES, attachmentCiphertextSize, hexToBytes, randomBytes, toBase64 } from '../../protocol/index.ts';
import vectors from '../../protocol/test/vectors/attachment.json' with { type: 'json' };
import { buildAttachment } from '../../protocol/test/vectors/buildAttachment.ts';
import { MemoryAttachmentCache } from '../attachmentCache.ts';
import { AttachmentError } from '../attachments.ts';
import type { AttachmentProgressEvent } from '../attachments.ts';
import { MemoryStorage } from '../memoryStorage.ts';
import { befriend, client, collect, device, eventually, next, server, user, friends } from './integration.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function blobServer(config: { attachmentMaxBytes?: number } = {}) {
  const blobDir = await mkdtemp(join(tmpdir(), 'sm-client-blobs-'));
  dirs.push(blobDir);
  return { srv: await server({ blobDir, ...config }), blobDir };
}

async function storedSize(blobDir: string, id: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  return (JSON.parse(await readFile(join(blobDir, id, 'meta.json'), 'utf8')) as { size: number }).size;
}

function file(n: number, seed = 3): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 13 + seed) & 255;
  return b;
}

describe('attachments', () => {
  it("a file reaches the contact's devices and my other device, and decrypts to the same bytes", async () => {
    const { srv } = await blobServer();
    const alice = await user(srv);
    const bob = await user(srv);
    const alice2 = await device(srv, alice.phrase);
    const bob2 = await device(srv, bob.phrase);
    await befriend(alice, bob);
    await eventually(async () => (await alice2.getContact(bob.id))?.state === 'accepted', "Alice's second device knows Bob");

    const bobGot = collect(bob.c, 'message');
    const bob2Got = collect(bob2, 'message');
    const alice2Got = collect(alice2, 'message');
    const progress = collect(alice.c, 'attachmentProgress');
    const data = file(1_500_000);
    const thumb = file(500, 9);
    const id = await alice.c.sendAttachment({
      recipientId: bob.id,
      bytes: data,
      mime: 'image/jpeg',
      name: 'cat.jpg',
      caption: 'look',
      thumbnail: thumb,
      width: 640,
      height: 480,
    });
    // Stored and queued at once, the upload still running.
    expect((await alice.c.getMessage(id))?.status).toBe('queued');
    await eventually(() => bobGot.length === 1 && bob2Got.length === 1 && alice2Got.length === 1, 'every device has the message');
    const done = progress.at(-1) as AttachmentProgressEvent;
    expect(done).toMatchObject({ id, state: 'done', sent: done.total });
    // Progress went up part by part.
    const sent = progress.filter((p) => p.state === 'uploading').map((p) => p.sent);
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect([...sent].sort((a, b) => a - b)).toEqual(sent);

    const m = bobGot[0]!;
    expect(m).toMatchObject({ id, messageType: 'attachment', content: 'look' });
    expect(m.attachment).toMatchObject({ mime: 'image/jpeg', name: 'cat.jpg', size: data.length, width: 640, height: 480 });
    expect(m.attachment!.id).toMatch(/^[0-9a-f]{32}$/);
    expect(Buffer.from(m.attachment!.thumbnail!, 'base64')).toEqual(Buffer.from(thumb));
    expect(alice2Got[0]).toMatchObject({ id, direction: 'out', peer: bob.id });
    expect(alice2Got[0]!.attachment).toEqual(m.attachment);

    for (const c of [bob.c, bob2, alice2, alice.c]) {
      const got = await c.downloadAttachment(m.attachment!);
      expect(Buffer.compare(got, data)).toBe(0);
    }
    await eventually(async () => (await alice.c.getMessage(id))?.status === 'delivered', 'delivered');
  });

  it('waits offline, then uploads and sends once connected', async () => {
    const { srv } = await blobServer();
    const { alice, bob } = await friends(srv);
    await alice.c.disconnect();
    const progress = collect(alice.c, 'attachmentProgress');
    const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: file(1000), mime: 'application/pdf', name: 'a.pdf' });
    await eventually(() => progress.some((p) => p.id === id && p.state === 'waiting'), 'told it waits');
    expect((await alice.c.getMessage(id))?.status).toBe('queued');
    const got = next(bob.c, 'message', (m) => m.id === id);
    await alice.c.connect();
    const m = await got;
    expect(Buffer.compare(await bob.c.downloadAttachment(m.attachment!), file(1000))).toBe(0);
  });

  it('resumes after a failed part without sending the parts already stored again', async () => {
    const { srv } = await blobServer();
    const puts: string[] = [];
    let failNext = true;
    const flaky: typeof fetch = async (input, init) => {
      const url = String(input);
      if (init?.method === 'PUT') {
        puts.push(url.slice(url.lastIndexOf('/') + 1));
        if (url.endsWith('/1') && failNext) {
          failNext = false;
          throw new TypeError('fetch failed (simulated network drop)');
        }
      }
      return fetch(input, init);
    };
    const alice = await user(srv, { fetch: flaky });
    const bob = await user(srv);
    await befriend(alice, bob);
    const data = file(2_500_000);
    const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: data, mime: 'video/mp4', name: 'v.mp4' });
    const m = await next(bob.c, 'message', (x) => x.id === id, 20_000);
    expect(puts).toEqual(['0', '1', '1', '2']);
    expect(Buffer.compare(await bob.c.downloadAttachment(m.attachment!), data)).toBe(0);
  });

  /** Alice (her PUTs held until she cancels) sends Bob an attachment and cancels it mid-upload. */
  async function cancelledUpload() {
    const { srv, blobDir } = await blobServer();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') await gate;
      return fetch(input, init);
    };
    const alice = await user(srv, { fetch: slow });
    const bob = await user(srv);
    await befriend(alice, bob);
    const bobGot = collect(bob.c, 'message');
    const progress = collect(alice.c, 'attachmentProgress');
    const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: file(5000), mime: 'text/plain', name: 'x.txt' });
    await eventually(() => progress.some((p) => p.state === 'uploading'), 'upload started');
    const cancelled = alice.c.cancelAttachment(id);
    // From here on every PUT goes through: only the one in flight was cancelled.
    release();
    await eventually(async () => (await alice.c.getMessage(id))?.status === 'failed', 'the message failed');
    return { alice, bob, id, cancelled, bobGot, progress, blobDir };
  }

  it('cancel stops the upload and fails the message; nothing reaches the contact', async () => {
    const { alice, bob, id, cancelled, bobGot, progress, blobDir } = await cancelledUpload();
    // The half-made blob is deleted at once: its quota is not held until it expires.
    await eventually(async () => (await readdir(blobDir)).length === 0, 'the cancelled blob is gone from the server');
    expect(cancelled).toBe(true);
    expect((await alice.c.getMessage(id))?.failureReason).toBe('UPLOAD_CANCELLED');
    expect(progress.at(-1)).toMatchObject({ id, state: 'cancelled' });
    // A later message arrives alone: the cancelled one never went.
    const text = await alice.c.sendMessage({ recipientId: bob.id, content: 'never mind' });
    await eventually(() => bobGot.some((m) => m.id === text), 'the text arrives');
    expect(bobGot.map((m) => m.id)).toEqual([text]);
  });

  it('a cancelled upload goes again on retry, from the cached ciphertext under the same key', async () => {
    const { alice, bob, id } = await cancelledUpload();
    const got = next(bob.c, 'message', (m) => m.id === id);
    expect(await alice.c.retry(id)).toBe(true);
    const m = await got;
    expect(Buffer.compare(await bob.c.downloadAttachment(m.attachment!), file(5000))).toBe(0);
    await eventually(async () => (await alice.c.getMessage(id))?.status === 'delivered', 'delivered after the retry');
  });

  it('an upload cut short by closing the app goes on when it starts again with the same storage', async () => {
    const { srv } = await blobServer();
    const storage = new MemoryStorage();
    const cache = new MemoryAttachmentCache();
    const never: typeof fetch = async (input, init) => {
      if (init?.method === 'PUT') return new Promise<Response>(() => {});
      return fetch(input, init);
    };
    const first = await user(srv, { storage, attachmentCache: cache, fetch: never });
    const bob = await user(srv);
    await befriend(first, bob);
    const progress = collect(first.c, 'attachmentProgress');
    const id = await first.c.sendAttachment({
      recipientId: bob.id,
      bytes: file(70_000),
      mime: 'audio/webm',
      name: 'voice.webm',
      duration: 2100,
      waveform: [0, 128, 255],
    });
    await eventually(() => progress.some((p) => p.state === 'uploading'), 'upload started');
    await first.c.disconnect();
    const got = next(bob.c, 'message', (m) => m.id === id);
    const again = await client(srv, { storage, attachmentCache: cache });
    await again.connect();
    const m = await got;
    expect(m.attachment).toMatchObject({ duration: 2100, waveform: [0, 128, 255], mime: 'audio/webm' });
    expect(Buffer.compare(await bob.c.downloadAttachment(m.attachment!), file(70_000))).toBe(0);
  });

  it('the server stores a padded size: files a few bytes apart are one blob size, and each opens to its own length', async () => {
    const { srv, blobDir } = await blobServer();
    const { alice, bob } = await friends(srv);
    const sizes = [1000, 1010, 20];
    const refs = [];
    for (const n of sizes) {
      const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: file(n), mime: 'image/png', name: 'meme.png' });
      refs.push((await next(bob.c, 'message', (m) => m.id === id)).attachment!);
    }
    const stored = await Promise.all(refs.map((r) => storedSize(blobDir, r.id)));
    expect(stored[0]).toBe(stored[1]);
    expect(stored[0]).toBeGreaterThan(attachmentCiphertextSize(1010));
    // The floor: a tiny file looks like any other file under it.
    expect(stored[2]).toBeGreaterThanOrEqual(541);
    for (const [i, r] of refs.entries()) {
      expect(r.size).toBe(sizes[i]);
      expect(Buffer.compare(await bob.c.downloadAttachment(r), file(sizes[i]!))).toBe(0);
    }
    // A reference whose size disagrees with the file inside: refused, never cut or read past.
    const bobFresh = await device(srv, bob.phrase, { attachmentCache: new MemoryAttachmentCache(0) });
    await expect(bobFresh.downloadAttachment({ ...refs[0]!, size: 1001 })).rejects.toMatchObject({ code: 'BLOB_WRONG_LENGTH' });
    await expect(bobFresh.downloadAttachment({ ...refs[0]!, size: 5000 })).rejects.toMatchObject({ code: 'BLOB_WRONG_LENGTH' });
    await expect(bob.c.downloadAttachment({ ...refs[0]!, size: 1001 })).rejects.toMatchObject({ code: 'BLOB_WRONG_LENGTH' });
  });

  it("a file just under the server's limit still goes (padding cut to the limit); one over is refused before upload", async () => {
    const max = 300_000;
    const { srv, blobDir } = await blobServer({ attachmentMaxBytes: max });
    const { alice, bob } = await friends(srv);
    let size = max - 1000;
    while (attachmentCiphertextSize(size + 1 + 4) <= max) size++;
    const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: file(size), mime: 'application/pdf', name: 'big.pdf' });
    const m = await next(bob.c, 'message', (x) => x.id === id, 20_000);
    expect(await storedSize(blobDir, m.attachment!.id)).toBeLessThanOrEqual(max);
    expect(Buffer.compare(await bob.c.downloadAttachment(m.attachment!), file(size))).toBe(0);
    await expect(
      alice.c.sendAttachment({ recipientId: bob.id, bytes: file(size + 1), mime: 'application/pdf', name: 'big.pdf' }),
    ).rejects.toMatchObject({ code: 'BLOB_TOO_LARGE' });
  });

  it('refuses a file whose blob was altered on the server, and a reference with another digest', async () => {
    const { srv, blobDir } = await blobServer();
    const alice = await user(srv);
    const bob = await user(srv, { attachmentCache: new MemoryAttachmentCache(0) });
    await befriend(alice, bob);
    const id = await alice.c.sendAttachment({ recipientId: bob.id, bytes: file(3000), mime: 'text/plain', name: 'x.txt' });
    const m = await next(bob.c, 'message', (x) => x.id === id);
    const ref = m.attachment!;
    const forged = { ...ref, digest: Buffer.alloc(32, 1).toString('base64') };
    await expect(bob.c.downloadAttachment(forged)).rejects.toMatchObject({ code: 'DIGEST_MISMATCH' });
    // Flip a byte of the stored part.
    const partPath = join(blobDir, ref.id, 'p0');
    const { readFile } = await import('node:fs/promises');
    const stored = await readFile(partPath);
    stored[100]! ^= 1;
    await writeFile(partPath, stored);
    const err = await bob.c.downloadAttachment(ref).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttachmentError);
    expect((err as AttachmentError).code).toBe('DIGEST_MISMATCH');
    expect(await readdir(blobDir)).toContain(ref.id);
  });
});

describe('attachments sealed before padding (version 1)', () => {
  it('a file an older version sealed unpadded and left mid-upload goes up as is and opens on the contact’s device', async () => {
    const { srv, blobDir } = await blobServer();
    const storage = new MemoryStorage();
    const cache = new MemoryAttachmentCache();
    const hang: typeof fetch = async (input, init) => (init?.method === 'PUT' ? new Promise<Response>(() => {}) : fetch(input, init));
    const old = await user(srv, { storage, attachmentCache: cache, fetch: hang });
    const bob = await user(srv, { attachmentCache: new MemoryAttachmentCache(0) });
    await befriend(old, bob);
    // Four 64 KiB chunks, the last short; and the vectors' own version 1 file (16-byte chunks).
    const files = [file(200_000, 5), hexToBytes(vectors.valid[0]!.plain)];
    const v1 = [
      (() => {
        const key = randomBytes(32);
        const sealed = buildAttachment(files[0]!, key, randomBytes(16), ATTACHMENT_CHUNK_BYTES);
        return { key, sealed };
      })(),
      { key: hexToBytes(vectors.valid[0]!.key), sealed: hexToBytes(vectors.valid[0]!.file) },
    ];
    expect(vectors.valid[0]!.version).toBe(1);
    const ids: string[] = [];
    for (const [i, { key, sealed }] of v1.entries()) {
      // What the older version left: the message queued under its key and digest, the sealed file in the cache.
      const progress = collect(old.c, 'attachmentProgress');
      const id = await old.c.sendAttachment({ recipientId: bob.id, bytes: files[i]!, mime: 'application/pdf', name: `old${i}.pdf` });
      await eventually(() => progress.some((p) => p.id === id && p.state === 'uploading'), 'the upload started');
      const m = (await storage.getMessage(id))!;
      const digest = sha256(sealed);
      await storage.putMessage({ ...m, attachment: { ...m.attachment!, key: toBase64(key), digest: toBase64(digest) } });
      await cache.put(toBase64(digest), sealed);
      ids.push(id);
    }
    await old.c.disconnect();

    const got = ids.map((id) => next(bob.c, 'message', (m) => m.id === id));
    const updated = await client(srv, { storage, attachmentCache: cache });
    await updated.connect();
    for (const [i, m] of (await Promise.all(got)).entries()) {
      const ref = m.attachment!;
      // The server holds the unpadded file, byte for byte as sealed.
      expect(await storedSize(blobDir, ref.id)).toBe(v1[i]!.sealed.length);
      expect(v1[i]!.sealed.length).toBe(attachmentCiphertextSize(files[i]!.length, i === 0 ? ATTACHMENT_CHUNK_BYTES : 16));
      expect(ref.digest).toBe(toBase64(sha256(v1[i]!.sealed)));
      expect(Buffer.compare(await bob.c.downloadAttachment(ref), files[i]!)).toBe(0);
    }
  });
});

describe('MemoryAttachmentCache', () => {
  it('evicts the least recently used entries past its bound', async () => {
    const c = new MemoryAttachmentCache(250);
    await c.put('a', new Uint8Array(100));
    await c.put('b', new Uint8Array(100));
    await c.get('a'); // a is now the most recent
    await c.put('c', new Uint8Array(100));
    expect(await c.get('b')).toBeUndefined();
    expect(await c.get('a')).toBeDefined();
    expect(await c.get('c')).toBeDefined();
    expect(await c.size()).toBe(200);
    await c.put('huge', new Uint8Array(300));
    expect(await c.get('huge')).toBeUndefined();
  });
});
