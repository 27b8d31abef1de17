// Account document figures (issue 10): the sealed size of a document with N contacts (names, the
// grant each gave me, what I granted them) and, against a real in-process server, how long a
// freshly restored device takes from opening its socket to having merged the document and
// projected every contact (grant signatures checked), the number a user waits for after restore.
//
//   node --import tsx bench/account.ts [contacts=1000] [runs=5]   → one JSON line
import WebSocket from 'ws';
import { AccountSync, type AccountState } from '../client/accountSync.ts';
import { projectContact } from '../client/accountView.ts';
import {
  createAuthFrame,
  createGrant,
  createIdentity,
  emptyAccount,
  GRANT_LIFETIME_MS,
  mergeAccount,
  patch,
  randomId,
  sealAccount,
  type AccountDoc,
  type Identity,
} from '../protocol/index.ts';
import { startServer } from '../server/src/app.ts';
import { silentLogger } from '../server/src/log.ts';

const n = Number(process.argv[2] ?? 1000);
const runs = Number(process.argv[3] ?? 5);
const me = createIdentity();
const now = Date.now();

let doc: AccountDoc = emptyAccount();
for (let i = 0; i < n; i++) {
  const peer = createIdentity();
  const grant = createGrant(peer, me.sessionId, now - i);
  doc = mergeAccount(
    doc,
    patch.contact(peer.sessionId, {
      state: { v: 'accepted', s: [now, i, 'bench'] },
      name: { v: `Contact ${i}`, at: now },
      grant,
      issued: { iat: now, exp: now + GRANT_LIFETIME_MS },
    }),
  );
}
const t0 = performance.now();
const blob = await sealAccount(me, 1, doc);
const sealMs = performance.now() - t0;

const srv = await startServer({ config: { host: '127.0.0.1', port: 0, staticDir: '/nonexistent' }, log: silentLogger() });

async function connectDevice(identity: Identity, state: AccountState | undefined): Promise<{ ms: number; contacts: number }> {
  const started = performance.now();
  const ws = new WebSocket(srv.url);
  const deviceId = randomId();
  let done!: (v: { ms: number; contacts: number }) => void;
  const result = new Promise<{ ms: number; contacts: number }>((r) => (done = r));
  let saved = state;
  const sync: AccountSync = new AccountSync({
    identity: () => identity,
    deviceId: () => deviceId,
    now: Date.now,
    send: (f) => (ws.send(JSON.stringify(f)), true),
    connected: () => ws.readyState === ws.OPEN,
    maxFrameBytes: () => 65_536,
    load: async () => saved,
    save: async (s) => void (saved = s),
    apply: async (next) => {
      let contacts = 0;
      for (const [peer, rec] of Object.entries(next.contacts))
        if (projectContact(peer, rec, identity.sessionId, Date.now())?.heldGrant) contacts++;
      if (contacts === n) done({ ms: performance.now() - started, contacts });
    },
    report: (e) => console.error(e),
  });
  let chain: Promise<unknown> = Promise.resolve();
  ws.on('message', (data) => {
    const f = JSON.parse(data.toString());
    if (f.type === 'hello')
      ws.send(
        JSON.stringify(createAuthFrame({ identity, deviceId, nonce: f.nonce, epoch: f.epoch, url: srv.url, grants: [], revocations: [] })),
      );
    else if (f.type === 'ready') chain = chain.then(() => sync.onConnected());
    else if (f.type === 'account')
      chain = chain.then(async () => {
        await sync.onAccount(f);
        // The uploading device is done once the server holds its copy.
        if (state && saved && !saved.dirty && saved.version > 0) done({ ms: performance.now() - started, contacts: n });
      });
  });
  const r = await result;
  ws.close();
  return r;
}

// The first device uploads (it holds the document); each run is a device restored from the phrase.
const upload = await connectDevice(me, { doc, counter: 0, version: 0, dirty: true });
const times: number[] = [];
for (let i = 0; i < runs; i++) times.push((await connectDevice(me, undefined)).ms);
await srv.close();
times.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    contacts: n,
    blobBytes: blob.length,
    sealMs: Math.round(sealMs),
    uploadMs: Math.round(upload.ms),
    connectToMergedMs: { min: Math.round(times[0]!), median: Math.round(times[times.length >> 1]!), max: Math.round(times.at(-1)!) },
  }),
);
