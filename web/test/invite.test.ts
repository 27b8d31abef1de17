// @vitest-environment happy-dom
// Invite links: the link opens Add contact with the ID, and goes out by the share sheet or the clipboard.
import { describe, expect, it } from 'vitest';
import { inviteLink, shareInvite, type ShareTarget } from '../src/lib/invite.ts';
import { parseRoute } from '../src/models/router.ts';

const ID = '05' + '3c'.repeat(32);
const loc = { origin: 'https://chat.example' };

/** The one documented fake here: navigator.share and the clipboard, which happy-dom lacks or stubs. */
function target(opts: {
  share?: 'ok' | 'abort' | 'error';
  clipboard?: 'ok' | 'denied' | 'missing';
}): ShareTarget & { shared: ShareData[]; copied: string[] } {
  const t = {
    shared: [] as ShareData[],
    copied: [] as string[],
    ...(opts.share && {
      share: async (d: ShareData) => {
        if (opts.share === 'abort') throw Object.assign(new Error('closed'), { name: 'AbortError' });
        if (opts.share === 'error') throw Object.assign(new Error('not allowed'), { name: 'NotAllowedError' });
        t.shared.push(d);
      },
    }),
    ...(opts.clipboard !== 'missing' && {
      clipboard: {
        writeText: async (s: string) => {
          if (opts.clipboard === 'denied') throw new Error('denied');
          t.copied.push(s);
        },
      },
    }),
  };
  return t;
}

describe('invite links', () => {
  it('is a link to Add contact with my ID, which the router opens as such', () => {
    const link = inviteLink(ID, loc);
    expect(link).toBe(`https://chat.example/#/add/${ID}`);
    expect(parseRoute(new URL(link).hash)).toEqual({ name: 'add', id: ID });
  });

  it('uses the share sheet where there is one, else copies; closing the sheet is no error', async () => {
    const phone = target({ share: 'ok' });
    expect(await shareInvite(ID, phone, loc)).toBe('shared');
    expect(phone.shared[0]?.url).toBe(inviteLink(ID, loc));
    expect(phone.copied).toEqual([]);

    const desktop = target({});
    expect(await shareInvite(ID, desktop, loc)).toBe('copied');
    expect(desktop.copied).toEqual([inviteLink(ID, loc)]);

    expect(await shareInvite(ID, target({ share: 'abort' }), loc)).toBe('cancelled');
    const refused = target({ share: 'error' });
    expect(await shareInvite(ID, refused, loc)).toBe('copied');
    expect(await shareInvite(ID, target({ clipboard: 'denied' }), loc)).toBe('failed');
    expect(await shareInvite(ID, target({ clipboard: 'missing' }), loc)).toBe('failed');
  });
});
