// A bot that sends one disappearing message and is done (client/test/timer.test.ts runs it as a
// child process): it must exit with the message's expiry still pending. Offline on purpose: a
// socket would hold the process for reasons of its own. Prints, as it exits, how many timers of a
// minute or more the SDK left pending, so the test knows the one it cares about was there.
import { createIdentity } from '../../../protocol/index.ts';
import { MIN_DISAPPEAR_MS } from '../../body.ts';
import { MemoryStorage, MessengerClient, type WebSocketConstructor } from '../../index.ts';
import WebSocket from 'ws';

const pending = new Set<unknown>();
const client = await MessengerClient.create({
  url: 'ws://127.0.0.1:9/ws', // never dialled
  storage: new MemoryStorage(),
  WebSocket: WebSocket as unknown as WebSocketConstructor,
  setTimeout: (fn, ms) => {
    const h = globalThis.setTimeout(() => {
      pending.delete(h);
      fn();
    }, ms);
    if (ms >= 60_000) pending.add(h);
    return h;
  },
  clearTimeout: (h) => {
    pending.delete(h);
    globalThis.clearTimeout(h as ReturnType<typeof globalThis.setTimeout>);
  },
});
await client.createIdentity();
const peer = createIdentity().sessionId;
await client.setDisappearingTimer(peer, MIN_DISAPPEAR_MS);
await client.sendMessage({ recipientId: peer, content: 'gone in five minutes' });
await client.idle();
const expiring = (await client.getConversation(peer)).messages.filter((m) => m.expiresAt !== undefined).length;
process.on('exit', () => console.log(JSON.stringify({ expiring, pending: pending.size })));
