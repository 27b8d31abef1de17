// History from a sibling over the real server: a new device of the same identity asks, the
// sibling sends 500 messages in chunks to the own Session ID, both show progress; a sibling that
// goes away mid-transfer continues from the new device's cursor when it is back.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type StoredMessage, type StorageWrite } from '../index.ts';
import { peer } from './fakes.ts';
import { collect, device, eventually, server, user } from './integration.ts';

const hex = (n: number) => n.toString(16).padStart(32, '0');

async function seeded(n: number): Promise<{ storage: MemoryStorage; peers: string[] }> {
  const storage = new MemoryStorage();
  const peers = [peer().sessionId, peer().sessionId, peer().sessionId];
  const writes: StorageWrite[] = [];
  for (let i = 0; i < n; i++) {
    const p = peers[i % 3]!;
    const out = i % 2 === 0;
    const m: StoredMessage = {
      id: hex(i + 1),
      peer: p,
      direction: out ? 'out' : 'in',
      content: `history ${i}`,
      messageType: 'text',
      sentAt: 1_000 + i,
      storedAt: 1_000 + i,
      seq: 1_000 + i,
      read: out || i < n - 30,
      ...(out ? { status: 'sent' as const } : {}),
    };
    writes.push({ store: 'messages', put: m });
  }
  for (const [k, p] of peers.entries()) {
    const last = n - 1 - ((n - 1 - k) % 3);
    writes.push({ store: 'conversations', put: { peer: p, lastSeq: 1_000 + last, lastMessageId: hex(last + 1), unread: 0 } });
  }
  await storage.write(writes);
  return { storage, peers };
}

const ids = async (storage: MemoryStorage, peers: string[]) =>
  (await Promise.all(peers.map((p) => storage.listMessages(p))))
    .flat()
    .map((m) => m.id)
    .sort();

describe('history from a sibling device', () => {
  it('moves 500 messages to a new device with progress on both', async () => {
    const srv = await server();
    const { storage, peers } = await seeded(500);
    const phone = await user(srv, { storage });
    const laptopStorage = new MemoryStorage();
    const laptop = await device(srv, phone.phrase, { storage: laptopStorage });
    const sending = collect(phone.c, 'historyProgress');
    const receiving = collect(laptop, 'historyProgress');
    const errors = [...collect(laptop, 'error'), ...collect(phone.c, 'error')];
    const rid = await laptop.requestHistory();
    await eventually(() => laptop.historyProgress?.done === true, 'the laptop has everything', 20_000);
    expect(await ids(laptopStorage, peers)).toEqual(await ids(storage, peers));
    expect(laptop.historyProgress).toEqual({ rid, role: 'receiving', received: 500, total: 500, done: true });
    // 50 per chunk: the laptop saw 10 steps, never going back.
    const steps = receiving.filter((e) => e.total > 0).map((e) => e.received);
    expect(steps).toEqual([50, 100, 150, 200, 250, 300, 350, 400, 450, 500]);
    await eventually(() => sending.at(-1)?.received === 500, 'the phone sees the laptop got it all');
    expect(phone.c.historyProgress).toEqual({ rid, role: 'sending', received: 500, total: 500, done: true });
    expect(sending.every((e) => e.rid === rid && e.role === 'sending' && e.total === 500)).toBe(true);
    // Read state and conversations came along.
    const conv = await laptop.getConversation(peers[0]!);
    expect(conv.messages).toHaveLength(167);
    expect(conv.lastMessageId).toBe(hex(499));
    expect((await laptop.getConversations()).reduce((n, c) => n + c.unread, 0)).toBe(15); // the incoming half of the last 30
    // Asking again adds nothing and nothing is duplicated.
    await laptop.requestHistory();
    await eventually(() => laptop.historyProgress?.done === true, 'the second answer is in');
    expect((await ids(laptopStorage, peers)).length).toBe(500);
    expect(errors).toEqual([]);
  });

  it("continues from the new device's cursor when the sibling went away mid-transfer", async () => {
    const srv = await server();
    const { storage, peers } = await seeded(500);
    // At most 200 messages per request: the laptop must ask again for the rest.
    const phone = await user(srv, { storage, historyMaxMessages: 200 });
    const laptopStorage = new MemoryStorage();
    const laptop = await device(srv, phone.phrase, { storage: laptopStorage });
    const sending = collect(phone.c, 'historyProgress');
    let cut: Promise<void> | undefined;
    // The phone goes offline the moment the laptop has the first 200, before it can ask again.
    laptop.on('historyProgress', (e) => {
      if (e.received === 200 && !cut) cut = phone.c.disconnect();
    });
    await laptop.requestHistory();
    await eventually(() => cut !== undefined, 'the first 200 arrived');
    await cut;
    expect(laptop.historyProgress).toMatchObject({ received: 200, total: 500, done: false });
    expect((await ids(laptopStorage, peers)).length).toBe(200);

    await phone.c.connect();
    await eventually(() => laptop.historyProgress?.done === true, 'the rest arrived', 20_000);
    expect(await ids(laptopStorage, peers)).toEqual(await ids(storage, peers));
    // The second answer started where the laptop stopped, not from the beginning.
    const answers = sending.filter((e, i) => i === 0 || sending[i - 1]!.rid !== e.rid);
    expect(answers.map((e) => e.received)).toEqual([0, 200, 400]);
  });
});
