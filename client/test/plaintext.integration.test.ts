// The server process never holds plaintext. A real server runs as a child process; unique markers
// travel as display names, invitation notes and messages (delivered live and queued for an
// offline device); then the server's logs, /health, /stats, /metrics and a V8 heap snapshot of the
// whole server process (so: everything its store holds) are searched for them.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomId } from '../../protocol/index.ts';
import { freePort, TEST_METRICS_TOKEN } from '../../testkit/net.ts';
import { client, eventually, next } from './integration.ts';

const root = new URL('../..', import.meta.url).pathname;

async function waitForFile(dir: string, suffix: string, timeoutMs: number): Promise<string> {
  const until = Date.now() + timeoutMs;
  let last = -1;
  for (;;) {
    const f = readdirSync(dir).find((n) => n.endsWith(suffix));
    if (f) {
      // V8 streams the snapshot out; it is complete once its size stops changing.
      const size = statSync(join(dir, f)).size;
      if (size > 0 && size === last) return join(dir, f);
      last = size;
    }
    if (Date.now() > until) throw new Error(`no complete ${suffix} in ${dir}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/**
 * The marker as it would look base64-encoded at any byte alignment inside a larger value, so
 * plaintext that was merely encoded (not encrypted) is caught too. The first and last 4-character
 * groups depend on the neighbouring bytes, so they are left off.
 */
function base64Needles(marker: string): string[] {
  return [0, 1, 2].map((k) =>
    Buffer.concat([Buffer.alloc(k), Buffer.from(marker)])
      .toString('base64')
      .slice(k ? 4 : 0, -4),
  );
}

describe('the server never holds plaintext', () => {
  it('base64 needles find a marker encoded inside a larger value at every alignment', () => {
    const marker = `PLAINTEXT-x-${randomId()}`;
    for (let pre = 0; pre < 6; pre++) {
      const encoded = Buffer.from(JSON.stringify({ pad: 'x'.repeat(pre), content: marker })).toString('base64');
      expect(base64Needles(marker).some((n) => encoded.includes(n))).toBe(true);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'sm-plaintext-'));
  let proc: ChildProcess | undefined;
  let logs = '';
  afterAll(() => {
    proc?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds no marker in logs, HTTP endpoints or the heap of the server process', async () => {
    const port = await freePort();
    proc = spawn(
      process.execPath,
      ['--import', 'tsx', '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`, join(root, 'server/src/main.ts')],
      {
        cwd: root,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: 'debug',
          STATIC_DIR: join(dir, 'none'),
          REDIS_URL: '',
          METRICS_TOKEN: TEST_METRICS_TOKEN,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    proc.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    proc.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    await eventually(() => logs.includes('"listening"'), 'the server listens', 15_000);
    const url = `ws://127.0.0.1:${port}/ws`;

    const marker = (what: string) => `PLAINTEXT-${what}-${randomId()}`;
    const m = {
      inviterName: marker('inviter-name'),
      note: marker('note'),
      accepterName: marker('accepter-name'),
      live: marker('live-message'),
      reply: marker('reply'),
      queued: marker('queued-message'),
    };

    const alice = await client(url);
    const bob = await client(url);
    const aliceId = (await alice.createIdentity()).sessionId;
    const bobId = (await bob.createIdentity()).sessionId;
    await alice.connect();
    await bob.connect();

    const invited = next(bob, 'invitation', (i) => i.peer === aliceId);
    const accepted = next(alice, 'invitationUpdate', (u) => u.status === 'accepted');
    const invId = await alice.sendInvitation({ recipientId: bobId, displayName: m.inviterName, message: m.note });
    expect((await invited).message).toBe(m.note);
    await bob.acceptInvitation(invId, { displayName: m.accepterName });
    await accepted;

    const got = next(bob, 'message', (x) => x.content === m.live);
    await alice.sendMessage({ recipientId: bobId, content: m.live, messageType: 'text' });
    await got;
    const replied = next(alice, 'message', (x) => x.content === m.reply);
    await bob.sendMessage({ recipientId: aliceId, content: m.reply, messageType: 'text' });
    await replied;
    await bob.sendTypingIndicator(aliceId, true);

    // Bob goes away: this one is held by the server's mailbox, as ciphertext only.
    await bob.disconnect();
    const sent = next(alice, 'status', (s) => s.status === 'sent');
    await alice.sendMessage({ recipientId: bobId, content: m.queued, messageType: 'text' });
    await sent;

    const http = await Promise.all(
      ['/health', '/stats', '/metrics'].map(async (p) =>
        (await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${TEST_METRICS_TOKEN}` } })).text(),
      ),
    );

    proc.kill('SIGUSR2');
    const snapshot = readFileSync(await waitForFile(dir, '.heapsnapshot', 60_000), 'utf8');

    // Positive control: the scan does see what the server legitimately holds (the routing key).
    expect(snapshot).toContain(bobId);
    expect(snapshot.length).toBeGreaterThan(1_000_000);

    for (const [what, value] of Object.entries(m)) {
      expect(snapshot.includes(value), `${what} in the server heap`).toBe(false);
      for (const n of base64Needles(value)) expect(snapshot.includes(n), `${what} (base64) in the server heap`).toBe(false);
      expect(logs.includes(value), `${what} in the server log`).toBe(false);
      for (const body of http) expect(body.includes(value), `${what} in an HTTP endpoint`).toBe(false);
    }
    for (const body of http) {
      expect(body).not.toContain(aliceId);
      expect(body).not.toContain(bobId);
    }
    // Info-level lines and above carry no whole Session ID either.
    const infoLines = logs.split('\n').filter((l) => /"level":"(info|warn|error)"/.test(l));
    expect(infoLines.length).toBeGreaterThan(0);
    for (const l of infoLines) expect(l.includes(aliceId) || l.includes(bobId), l).toBe(false);
  }, 120_000);
});
