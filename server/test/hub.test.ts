// The Hub keeps one identity's single socket (and one target's single watcher) without a Set, and
// promotes to a Set from the second: what it tells its listener, counts and dispatches must not
// depend on which form is held.
import { describe, expect, it } from 'vitest';
import type { Grant, ServerFrameType } from '../../protocol/index.ts';
import { Hub, type HubListener, type HubSocket } from '../src/hub.ts';
import type { EntryKind } from '../src/store/types.ts';

let nextId = 1;

class FakeSocket implements HubSocket {
  readonly id = nextId++;
  subs: Set<string> | undefined;
  hidden = false;
  observable = true;
  readonly got: string[] = [];
  constructor(readonly sid: string) {}
  deliverEntry(type: EntryKind, offset: number, text: string): void {
    this.got.push(`entry ${type} ${offset} ${text}`);
  }
  skipEntry(offset: number): void {
    this.got.push(`skip ${offset}`);
  }
  resync(): void {
    this.got.push('resync');
  }
  deliverFrame(type: ServerFrameType, text: string): void {
    this.got.push(`frame ${type} ${text}`);
  }
  holdGrant(grant: Grant): void {
    this.got.push(`grant ${grant.from}`);
  }
  revokeFrom(from: string, iat: number): void {
    this.got.push(`revoke ${from} ${iat}`);
  }
  mayObserve(): boolean {
    return this.observable;
  }
}

function recorder(): { events: string[]; listener: HubListener } {
  const events: string[] = [];
  return {
    events,
    listener: {
      identityAdded: (sid) => events.push(`+id ${sid}`),
      identityRemoved: (sid) => events.push(`-id ${sid}`),
      watchAdded: (t) => events.push(`+watch ${t}`),
      watchRemoved: (t) => events.push(`-watch ${t}`),
    },
  };
}

const entry = { kind: 'entry', type: 'envelope', offset: 7, text: 'E' } as const;

describe('Hub', () => {
  it('tells the listener about the first and last socket of an identity, through one, two and back to none', () => {
    const hub = new Hub(() => 0);
    const { events, listener } = recorder();
    hub.listen(listener);
    const a = new FakeSocket('A');
    const b = new FakeSocket('A');
    hub.add(a);
    hub.add(a);
    expect([hub.count('A'), hub.authenticatedCount, hub.identityCount]).toEqual([1, 1, 1]);
    hub.add(b);
    expect([hub.count('A'), hub.authenticatedCount, hub.identityCount]).toEqual([2, 2, 1]);
    hub.remove(a);
    hub.remove(a);
    expect([hub.count('A'), hub.authenticatedCount]).toEqual([1, 1]);
    hub.add(a);
    hub.remove(b);
    hub.remove(a);
    expect([hub.count('A'), hub.authenticatedCount, hub.identityCount]).toEqual([0, 0, 0]);
    expect([...hub.identities()]).toEqual([]);
    expect(events).toEqual(['+id A', '-id A']);
  });

  it('does not remove a socket that was never added under its identity', () => {
    const hub = new Hub(() => 0);
    const a = new FakeSocket('A');
    hub.add(a);
    hub.remove(new FakeSocket('A'));
    hub.remove(new FakeSocket('B'));
    expect([hub.count('A'), hub.authenticatedCount]).toEqual([1, 1]);
  });

  it('dispatches to every socket of the identity, the originating one only skipping the entry', () => {
    const hub = new Hub(() => 0);
    const [a, b, c] = [new FakeSocket('A'), new FakeSocket('A'), new FakeSocket('C')];
    hub.add(a);
    hub.dispatch('A', entry, a.id);
    expect(a.got).toEqual(['skip 7']);
    hub.add(b);
    hub.add(c);
    hub.dispatch('A', entry, a.id);
    hub.dispatch('A', { kind: 'revoke', from: 'X', iat: 3 });
    expect(a.got).toEqual(['skip 7', 'skip 7', 'revoke X 3']);
    expect(b.got).toEqual(['entry envelope 7 E', 'revoke X 3']);
    expect(c.got).toEqual([]);
    hub.remove(a);
    hub.dispatch('A', { kind: 'frame', type: 'envelope', text: 'T' });
    expect(b.got.at(-1)).toBe('frame envelope T');
    expect(a.got).toHaveLength(3);
  });

  it('resyncs one identity or all of them, whether it has one socket or several', () => {
    const hub = new Hub(() => 0);
    const [a, b, c] = [new FakeSocket('A'), new FakeSocket('A'), new FakeSocket('C')];
    for (const s of [a, b, c]) hub.add(s);
    hub.resync('A');
    hub.resync('nobody');
    expect([a.got, b.got, c.got]).toEqual([['resync'], ['resync'], []]);
    hub.resync();
    expect([a.got, b.got, c.got]).toEqual([['resync', 'resync'], ['resync', 'resync'], ['resync']]);
  });

  it('sees an identity hidden when any of its sockets hides, and lists its sockets', () => {
    const hub = new Hub(() => 0);
    const [a, b] = [new FakeSocket('A'), new FakeSocket('A')];
    expect(hub.visibility('A')).toBe('absent');
    expect(hub.socketsOf('A')).toBeUndefined();
    hub.add(a);
    expect(hub.visibility('A')).toBe('visible');
    expect([...hub.socketsOf('A')!]).toEqual([a]);
    b.hidden = true;
    hub.add(b);
    expect(hub.visibility('A')).toBe('hidden');
    expect([...hub.socketsOf('A')!]).toEqual([a, b]);
    hub.remove(a);
    expect(hub.visibility('A')).toBe('hidden');
  });

  it('creates a socket’s subscription set on its first watch, and counts watchers by target', () => {
    const hub = new Hub(() => 0);
    const { events, listener } = recorder();
    hub.listen(listener);
    const [a, b] = [new FakeSocket('A'), new FakeSocket('B')];
    hub.add(a);
    hub.add(b);
    hub.unwatch(a, 'T');
    expect(a.subs).toBeUndefined();
    hub.watch(a, 'T');
    hub.watch(a, 'T');
    hub.watch(b, 'T');
    hub.watch(a, 'U');
    expect([...a.subs!]).toEqual(['T', 'U']);
    expect(hub.subscriptionCount).toBe(3);
    hub.unwatch(a, 'T');
    expect(hub.subscriptionCount).toBe(2);
    expect([...hub.watchedTargets()]).toEqual(['T', 'U']);
    hub.remove(b);
    hub.remove(a);
    expect(hub.subscriptionCount).toBe(0);
    expect([...hub.watchedTargets()]).toEqual([]);
    expect(events.filter((e) => e.includes('watch'))).toEqual(['+watch T', '+watch U', '-watch T', '-watch U']);
  });

  it('tells presence to the watchers that may still observe it and quietly drops the others', () => {
    const hub = new Hub(() => 0);
    const [a, b] = [new FakeSocket('A'), new FakeSocket('B')];
    hub.add(a);
    hub.add(b);
    hub.watch(a, 'T');
    hub.notifyPresence('T', true, 5);
    expect(a.got).toHaveLength(1);
    expect(a.got[0]).toMatch(/^frame presence /);
    hub.watch(b, 'T');
    a.observable = false;
    hub.notifyPresence('T', false, 6);
    expect(a.got).toHaveLength(1);
    expect(b.got).toHaveLength(1);
    expect([...a.subs!]).toEqual([]);
    expect(hub.subscriptionCount).toBe(1);
    b.observable = false;
    hub.notifyPresence('T', true, 7);
    expect([hub.subscriptionCount, [...hub.watchedTargets()].length]).toEqual([0, 0]);
  });
});
