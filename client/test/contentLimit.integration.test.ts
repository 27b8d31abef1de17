// The message size limit is what really fits: a message at the limit, written in the most
// expensive characters, reaches the contact and my other device; one byte more is refused when it
// is written instead of being queued to fail.
import { describe, expect, it } from 'vitest';
import { contentBytes, DEFAULT_MAX_CT_BYTES, maxContentBytes } from '../contentLimit.ts';
import { befriend, collect, device, eventually, server, user } from './integration.ts';

/** Text of exactly `bytes` content bytes, mixing 4-byte emoji, JSON escapes and 3-byte letters. */
function costly(bytes: number): string {
  const parts = ['😀', '"', '\\', '\n', 'ж', '€'];
  let s = '';
  for (let i = 0; contentBytes(s) < bytes - 4; i++) s += parts[i % parts.length];
  while (contentBytes(s) < bytes) s += 'a';
  return s;
}

describe('message size limit', () => {
  it('the default limit is what a default server announces', async () => {
    const srv = await server();
    const alice = await user(srv);
    expect(alice.c.maxMessageBytes()).toBe(maxContentBytes({ maxCtBytes: DEFAULT_MAX_CT_BYTES }));
  });

  it('a message at the limit arrives, with its copy on my other device; one byte more is refused at once', async () => {
    const srv = await server();
    const alice = await user(srv);
    const bob = await user(srv);
    const alice2 = await device(srv, alice.phrase);
    await befriend(alice, bob);
    const max = alice.c.maxMessageBytes();
    const fits = costly(max);
    expect(contentBytes(fits)).toBe(max);
    const got = collect(bob.c, 'message');
    const id = await alice.c.sendMessage({ recipientId: bob.id, content: fits });
    await eventually(() => got.some((m) => m.id === id), 'Bob has the message at the limit', 20_000);
    expect(got.find((m) => m.id === id)?.content).toBe(fits);
    await eventually(
      async () => (await alice2.getConversation(bob.id)).messages.some((m) => m.id === id && m.content === fits),
      'my other device has it',
      20_000,
    );
    expect((await alice.c.getOutbox()).filter((o) => o.state === 'failed')).toEqual([]);

    const before = (await alice.c.getConversation(bob.id)).messages.length;
    await expect(alice.c.sendMessage({ recipientId: bob.id, content: costly(max + 1) })).rejects.toThrow(/do not fit in one message/);
    expect((await alice.c.getConversation(bob.id)).messages).toHaveLength(before);
  }, 60_000);
});
