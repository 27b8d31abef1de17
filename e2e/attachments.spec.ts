// Attachments in real Chromium: a photo (re-encoded on the device, EXIF with its location gone), a
// file and a voice note (the fake microphone of --use-fake-device-for-media-stream) go from Alice
// to Bob, and reach Bob's second device; an upload held back shows its progress and is cancelled.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from '../playwright.config.ts';
import { expect, test } from './fixtures.ts';
import type { Messenger } from './messenger.ts';

test.use({
  launchOptions: {
    executablePath: '/usr/bin/chromium',
    args: [...CHROMIUM_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

const GPS = 'GPS-52.5200N-13.4050E-secret-place';

/** A JPEG drawn by the page itself, with an EXIF block (carrying a location marker) spliced in after SOI. */
async function photoWithExif(m: Messenger): Promise<Buffer> {
  const jpeg = Buffer.from(
    await m.page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const c = document.createElement('canvas');
          c.width = 800;
          c.height = 600;
          const g = c.getContext('2d')!;
          g.fillStyle = '#c33';
          g.fillRect(0, 0, 800, 600);
          g.fillStyle = '#33c';
          g.fillRect(100, 100, 300, 200);
          c.toBlob((b) => void b!.arrayBuffer().then((a) => resolve([...new Uint8Array(a)])), 'image/jpeg', 0.9);
        }),
    ),
  );
  const tiff = Buffer.concat([Buffer.from('MM\0\x2a\0\0\0\x08\0\0\0\0\0\0', 'latin1'), Buffer.from(GPS, 'latin1')]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const app1 = Buffer.concat([Buffer.from([0xff, 0xe1, (body.length + 2) >> 8, (body.length + 2) & 255]), body]);
  return Buffer.concat([jpeg.subarray(0, 2), app1, jpeg.subarray(2)]);
}

function attachments(m: Messenger, kind: 'photo' | 'file' | 'voice') {
  return m.page.locator(`[data-testid="attachment"][data-kind="${kind}"]`);
}

test('a photo, a file and a voice note reach the contact and his second device; an upload can be cancelled', async ({ users }) => {
  const { alice, bob } = await users.friends();
  const bob2 = await users.restore('Bob (laptop)', bob.phrase);
  await expect(bob2.chatRow(alice.sessionId)).toBeVisible();
  await alice.openChat(bob.sessionId);
  await bob.openChat(alice.sessionId);

  // The photo is re-encoded on Alice's device: the EXIF block, and the location in it, is gone.
  const photo = await photoWithExif(alice);
  expect(photo.includes(GPS)).toBe(true);
  const chunk = readdirSync(fileURLToPath(new URL('../dist/web/assets', import.meta.url))).find((f) => /^prepare-.*\.js$/.test(f))!;
  const prepared = await alice.page.evaluate(
    async ({ url, bytes, marker }) => {
      const mod = (await import(url)) as {
        prepareFile(f: File): Promise<{ bytes: Uint8Array; mime: string; thumbnail?: Uint8Array; width?: number }>;
      };
      const out = await mod.prepareFile(new File([new Uint8Array(bytes)], 'holiday.jpg', { type: 'image/jpeg' }));
      const text = new TextDecoder('latin1').decode(out.bytes);
      return {
        mime: out.mime,
        hasMarker: text.includes(marker),
        hasExif: text.includes('Exif\0\0'),
        thumb: out.thumbnail?.length ?? 0,
        width: out.width,
      };
    },
    { url: `/assets/${chunk}`, bytes: [...photo], marker: GPS },
  );
  expect(prepared).toMatchObject({ mime: 'image/jpeg', hasMarker: false, hasExif: false, width: 800 });
  expect(prepared.thumb).toBeGreaterThan(0);

  await alice.byTestId('attach-photo-input').setInputFiles({ name: 'holiday.jpg', mimeType: 'image/jpeg', buffer: photo });
  for (const m of [bob, bob2, alice]) {
    if (m === bob2) await bob2.openChat(alice.sessionId);
    await expect(attachments(m, 'photo')).toHaveAttribute('data-state', 'ready');
    await expect
      .poll(() =>
        attachments(m, 'photo')
          .getByTestId('attachment-image')
          .evaluate((img: HTMLImageElement) => img.naturalWidth),
      )
      .toBe(800);
  }

  // A file: Bob downloads it and gets the same bytes.
  const text = `meeting notes ${'x'.repeat(3000)} end`;
  await alice.byTestId('attach-file-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });
  await expect(attachments(bob, 'file').getByTestId('attachment-name')).toHaveText('notes.txt');
  const download = bob.page.waitForEvent('download');
  await attachments(bob, 'file').getByTestId('attachment-download').click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('notes.txt');
  expect(readFileSync((await saved.path())!, 'utf8')).toBe(text);
  await expect(attachments(bob2, 'file').getByTestId('attachment-name')).toHaveText('notes.txt');

  // A voice note from the fake microphone: recorded for at least a second, with a level.
  await alice.byTestId('voice-record').click();
  const bar = alice.byTestId('voice-recording');
  await expect(bar).toBeVisible();
  await expect.poll(() => bar.locator('meter').evaluate((e: HTMLMeterElement) => e.value), { timeout: 10_000 }).toBeGreaterThan(0);
  await expect(bar.locator('.rec-time')).not.toHaveText('0:00');
  await alice.byTestId('voice-send').click();
  for (const m of [bob, bob2]) {
    const voice = attachments(m, 'voice');
    await expect(voice).toHaveAttribute('data-state', 'ready');
    await expect(voice.getByTestId('voice-duration')).toHaveText(/^0:0[1-9]$/);
    await expect(voice.locator('svg.att-wave rect').first()).toBeAttached();
  }
  // Bob plays it; the scrubber moves, and can be dragged back.
  const voice = attachments(bob, 'voice');
  await voice.getByTestId('voice-play').click();
  await expect(voice.getByTestId('voice-play')).toHaveAttribute('data-playing', 'true');
  await expect.poll(() => voice.getByTestId('voice-scrubber').evaluate((e: HTMLInputElement) => Number(e.value))).toBeGreaterThan(0);
  await voice.getByTestId('voice-play').click();
  await expect(voice.getByTestId('voice-play')).toHaveAttribute('data-playing', 'false');
  await voice.getByTestId('voice-scrubber').evaluate((e: HTMLInputElement) => {
    e.value = '0';
    e.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await expect(voice.getByTestId('voice-duration')).toHaveText(/^0:0[1-9]$/);

  // Desktop ways in: a file pasted into the composer, and one dropped on the chat.
  for (const how of ['paste', 'drop'] as const) {
    await alice.page.evaluate(
      ({ how, name }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([`${how}d text`], name, { type: 'text/plain' }));
        if (how === 'paste')
          document
            .querySelector('[data-testid="composer-input"]')!
            .dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
        else
          document
            .querySelector('[data-testid="message-list"], [data-testid="chat-view"]')!
            .dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { how, name: `${how}d.txt` },
    );
    await expect(bob.page.locator('[data-testid="attachment-name"]', { hasText: `${how}d.txt` })).toBeVisible();
  }

  // An upload held back by the network shows its progress; Cancel stops it and fails the message.
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await alice.page.route('**/blob/*/*', async (route) => {
    await held;
    await route.continue();
  });
  await alice
    .byTestId('attach-file-input')
    .setInputFiles({ name: 'big.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(200_000, 7) });
  const pending = alice.messages().filter({ has: alice.page.getByTestId('attachment-upload') });
  await expect(pending.getByTestId('attachment-progress')).toBeVisible();
  await pending.getByTestId('attachment-cancel').click();
  release();
  await expect(alice.messages().last()).toHaveAttribute('data-status', 'failed');
  await alice.page.unroute('**/blob/*/*');
  await expect(attachments(bob, 'file')).toHaveCount(3);
});
