// What every part of the Store contract shares: the store under test and the entries and
// invitations the tests put into it. Every value is fresh (Session IDs, ids, keys), so the suite
// never assumes an empty store and can run against a shared Redis.
import { expect } from 'vitest';
import { randomId } from '../../../protocol/index.ts';
import type { Invitation, MailboxLimits, NewEntry, Store } from '../../src/store/types.ts';

/** A fresh store for each test (closed after it), and the time the test started. */
export interface StoreUnderTest {
  readonly store: Store;
  readonly t: number;
}

export const TTL = 60_000;
export const LIMITS: MailboxLimits = { maxEntries: 1000, maxBytes: 1 << 20, ttlMs: TTL };
export const DAY = 86_400_000;
export const CT = 'AAECAwQFBgcICQoLDA0ODw==';
const GRANT = '{"from":"05…","to":"05…","iat":1,"exp":2,"edPk":"…","sig":"…"}';

export const newSid = (): string => '05' + randomId() + randomId();
export const spliced = (offset: number, frame: string): string => '{"offset":' + offset + ',' + frame.slice(1);

export function envelope(from: string, ts: number, id = randomId()): NewEntry {
  return { kind: 'envelope', id, from, frame: JSON.stringify({ type: 'envelope', id, from, ct: CT, ts }) };
}

export function deliveredEntry(to: string, id: string, ts: number): NewEntry {
  return { kind: 'delivered', id, frame: JSON.stringify({ type: 'delivered', id, to, ts }) };
}

export function invitationEntry(from: string, to: string, ts: number, id = randomId()): NewEntry {
  return {
    kind: 'invitation',
    id,
    frame: JSON.stringify({ type: 'invitation', id, from, to, ct: CT, grant: {}, expiresAt: ts + DAY, ts }),
  };
}

export function invitation(from: string, to: string, createdAt: number, ttlMs = DAY, id = randomId()): Invitation {
  return { id, from, to, ct: CT, grant: GRANT, createdAt, expiresAt: createdAt + ttlMs, status: 'pending' };
}

export async function appendOk(store: Store, sid: string, entry: NewEntry, now: number, limits = LIMITS): Promise<number> {
  const r = await store.append(sid, entry, now, limits);
  if (!r.ok) throw new Error(`append to a stream with room failed: ${r.code}`);
  expect(r.duplicate).toBe(false);
  return r.offset;
}

export async function offsets(store: Store, sid: string, now: number, limits = LIMITS): Promise<number[]> {
  return (await store.readAfter(sid, 0, 1000, now, limits)).map((e) => e.offset);
}
