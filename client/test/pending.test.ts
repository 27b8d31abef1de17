// The pending-request engine (client/pending.ts) on its own, with a source of plain records and a
// socket that is just a list; then through the invitations it also drives.
import { describe, expect, it } from 'vitest';
import type { ClientFrame } from '../../protocol/index.ts';
import type { ClientContext } from '../context.ts';
import { Emitter } from '../emitter.ts';
import { PendingEngine, type PendingSource, type RetryState } from '../pending.ts';
import { createRuntime, SerialQueue } from '../runtime.ts';
import { MemoryStorage } from '../memoryStorage.ts';
import { FakeTimers, harness, peer } from './fakes.ts';

interface Rec {
  id: string;
  key: string;
  done?: boolean;
  /** Taken by the server (sent), awaiting delivery. */
  taken?: boolean;
  local?: boolean;
  retry: RetryState;
}

function rig(recs: Rec[]) {
  const timers = new FakeTimers();
  const runtime = createRuntime({
    clock: timers.clock,
    setTimeout: timers.setTimeout,
    clearTimeout: timers.clearTimeout,
    random: () => 0.5,
  });
  const queue = new SerialQueue((err) => {
    throw err;
  });
  const wire: string[] = [];
  const stored: string[] = [];
  const socket = { up: true, gen: 1 };
  const ctx = {
    storage: new MemoryStorage(),
    runtime,
    events: new Emitter(),
    identity: () => {
      throw new Error('unused');
    },
    send: (f: ClientFrame) => socket.up && wire.push((f as { id: string }).id) > 0,
    connected: () => socket.up,
    gen: () => socket.gen,
    enqueue: (fn: () => unknown) => queue.enqueue(fn),
    nextSeq: () => 0,
    limits: () => undefined,
    settings: () => ({ sharePresence: true, shareTyping: true, sendReadReceipts: true }),
  } as ClientContext;
  const source: PendingSource<Rec> = {
    list: async () => recs,
    request: (r) => (r.done || r.taken ? undefined : { id: r.id, key: r.key, retry: r.retry, what: `op-${r.id}` }),
    reopen: (r) => {
      if (!r.taken) return false;
      r.taken = false;
      return true;
    },
    stage: (b, r) => b.after(() => stored.push(r.id)),
    transmit: async (r) => {
      if (r.local) {
        r.done = true;
        return 'settled';
      }
      return ctx.send({ type: 'invite_decline', id: r.id }) ? 'sent' : 'offline';
    },
  };
  const engine = new PendingEngine(ctx, { baseMs: 100, maxMs: 1000 }, source);
  return { engine, wire, socket, timers, queue, stored };
}

const rec = (id: string, key = 'k', retry: RetryState = { attempts: 0 }): Rec => ({ id, key, retry });

describe('PendingEngine', () => {
  it('sends what is due in order, once per socket, and again on a new socket', async () => {
    const recs = [rec('a'), rec('b', 'other'), rec('c')];
    const { engine, wire, socket } = rig(recs);
    await engine.flush();
    await engine.flush();
    expect(wire).toEqual(['a', 'b', 'c']);
    expect(engine.inflight('b')).toBe('op-b');
    socket.gen = 2; // a new socket: what was on the old one is unanswered
    await engine.flush();
    expect(wire).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('stops at a socket that is gone and keeps going past a request settled locally', async () => {
    const recs = [rec('a'), { ...rec('b'), local: true }, rec('c')];
    const { engine, wire, socket } = rig(recs);
    socket.up = false;
    await engine.flush();
    expect(wire).toEqual([]);
    socket.up = true;
    await engine.flush();
    expect(wire).toEqual(['a', 'c']);
    expect(engine.inflight('b')).toBeUndefined();
  });

  it('a retryable refusal waits retryAfterMs, or the backoff, and holds back its key only', async () => {
    const recs = [rec('a'), rec('b'), rec('x', 'other')];
    const { engine, wire, timers } = rig(recs);
    await engine.flush();
    const plan = engine.refused('a', { code: 'MAILBOX_FULL', retryAfterMs: 5000 }, { attempts: 1 });
    expect(plan).toEqual({ attempts: 1, lastError: 'MAILBOX_FULL', nextAttemptAt: timers.now + 5000 });
    recs[0]!.retry = plan!;
    engine.answered('b', false);
    engine.answered('x', false);
    await engine.flush();
    // b waits behind a; x (another key) goes again at once.
    expect(wire).toEqual(['a', 'b', 'x', 'x']);
    await timers.advance(4999);
    expect(wire.filter((id) => id === 'a')).toHaveLength(1);
    await timers.advance(1);
    // a goes alone; b waits for a's answer.
    expect(wire.slice(4)).toEqual(['a']);
    // Without retryAfterMs: full jitter, 0.5 × min(1000, 100 × 2^(attempts - 1)).
    const again = engine.refused('a', { code: 'STORE_UNAVAILABLE' }, { attempts: 3, lastError: 'MAILBOX_FULL' });
    expect(again!.nextAttemptAt - timers.now).toBe(200);
    recs[0]!.retry = again!;
    await timers.advance(200);
    expect(wire.slice(4)).toEqual(['a', 'a']);
    recs[0]!.done = true;
    engine.answered('a', true); // the retry went through: the key's later requests may go
    await timers.advance(0);
    expect(wire.slice(4)).toEqual(['a', 'a', 'b']);
  });

  it("a refusal retrying cannot fix is the caller's to settle, and releases the key", async () => {
    const recs = [rec('a', 'k', { attempts: 1, lastError: 'MAILBOX_FULL' }), rec('b')];
    const { engine, wire, timers } = rig(recs);
    await engine.flush();
    expect(wire).toEqual(['a']);
    expect(engine.refused('a', { code: 'NO_GRANT' }, recs[0]!.retry)).toBeNull();
    recs[0]!.done = true;
    await timers.advance(0);
    expect(wire).toEqual(['a', 'b']);
    expect(timers.pending).toBe(0);
  });

  it('requeue (a new epoch) reopens what the server had taken, stores it in one batch, and sends it again', async () => {
    const recs = [rec('a'), { ...rec('b'), taken: true }, { ...rec('c', 'other'), taken: true }, { ...rec('d'), done: true }];
    const { engine, wire, stored, socket } = rig(recs);
    await engine.flush();
    expect(wire).toEqual(['a']);
    expect(await engine.requeue()).toBe(2);
    expect(stored).toEqual(['b', 'c']);
    socket.gen = 2;
    await engine.flush();
    expect(wire).toEqual(['a', 'a', 'b', 'c']);
  });

  it('stop() forgets the wire and the timer', async () => {
    const recs = [rec('a')];
    const { engine, wire, timers } = rig(recs);
    await engine.flush();
    recs[0]!.retry = engine.refused('a', { code: 'RATE_LIMITED', retryAfterMs: 100 }, { attempts: 1 })!;
    engine.stop();
    await timers.advance(1000);
    expect(wire).toEqual(['a']);
    expect(engine.inflight('a')).toBeUndefined();
  });
});

describe('invitations on the engine', () => {
  it('INVITE_LIMIT: the invite is kept, retried after retryAfterMs with the same id, and its retry state is stored', async () => {
    const h = await harness();
    const { s } = await h.connect();
    const bob = peer();
    const id = await h.c.sendInvitation({ recipientId: bob.sessionId, displayName: 'Me' });
    expect(s.frames('invite').map((f) => f.id)).toEqual([id]);
    s.push({ type: 'error', code: 'INVITE_LIMIT', message: 'full', ref: id, retryAfterMs: 3000 });
    await h.timers.advance(0);
    expect(await h.storage.getInvitation(id)).toMatchObject({
      status: 'pending',
      pendingOp: 'invite',
      opAttempts: 1,
      opLastError: 'INVITE_LIMIT',
      opNextAt: h.timers.now + 3000,
    });
    await h.timers.advance(2999);
    expect(s.frames('invite')).toHaveLength(1);
    await h.timers.advance(1);
    expect(s.frames('invite').map((f) => f.id)).toEqual([id, id]);
    s.push({ type: 'ok', ref: id, op: 'invite' });
    await h.timers.advance(0);
    const stored = (await h.storage.getInvitation(id))!;
    expect(stored.pendingOp).toBeUndefined();
    expect(stored.opLastError).toBeUndefined();
    expect(h.events.invitationUpdate.at(-1)).toMatchObject({ id, status: 'pending' });
  });
});
