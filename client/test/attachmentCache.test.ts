// IndexedDbAttachmentCache under fake-indexeddb (the one documented fake: Node has no IndexedDB).
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { IndexedDbAttachmentCache } from '../attachmentCache.ts';

let n = 0;
describe('IndexedDbAttachmentCache', () => {
  it('keeps entries across a reopen and evicts the least recently used past its bound', async () => {
    const name = `att-cache-${n++}`;
    const c = await IndexedDbAttachmentCache.open({ name, maxBytes: 250 });
    await c.put('a', new Uint8Array(100).fill(1));
    await c.put('b', new Uint8Array(100).fill(2));
    expect(await c.get('a')).toEqual(new Uint8Array(100).fill(1)); // a is now the most recent
    await c.put('c', new Uint8Array(100).fill(3));
    expect(await c.get('b')).toBeUndefined();
    expect(await c.size()).toBe(200);
    await c.put('huge', new Uint8Array(300));
    expect(await c.get('huge')).toBeUndefined();
    c.close();
    const again = await IndexedDbAttachmentCache.open({ name, maxBytes: 250 });
    expect(await again.get('c')).toEqual(new Uint8Array(100).fill(3));
    await again.delete('c');
    expect(await again.size()).toBe(100);
    again.close();
  });

  it('is deleted by destroy() even while a cache is open on it (wipe this device)', async () => {
    const name = `att-cache-${n++}`;
    const open = await IndexedDbAttachmentCache.open({ name });
    await open.put('k', new Uint8Array(10));
    await IndexedDbAttachmentCache.destroy(name);
    const fresh = await IndexedDbAttachmentCache.open({ name });
    expect(await fresh.size()).toBe(0);
    fresh.close();
  });
});
