// An invite link (https://host/#/add/05…) opens Add contact with my ID filled in. Shared through
// the system share sheet where the browser has one (phones), else copied to the clipboard.

export function inviteLink(id: string, loc: Pick<Location, 'origin'> = location): string {
  return `${loc.origin}/#/add/${id}`;
}

export type ShareOutcome = 'shared' | 'copied' | 'cancelled' | 'failed';

/** The parts of navigator this uses (both are missing on some browsers, and without a secure context). */
export interface ShareTarget {
  share?: (data: ShareData) => Promise<void>;
  canShare?: (data: ShareData) => boolean;
  clipboard?: { writeText(text: string): Promise<void> };
}

export async function shareInvite(
  id: string,
  nav: ShareTarget = navigator,
  loc: Pick<Location, 'origin'> = location,
): Promise<ShareOutcome> {
  const url = inviteLink(id, loc);
  const data: ShareData = { title: 'Session', text: 'Add me on Session, the private messenger:', url };
  if (nav.share && (nav.canShare?.(data) ?? true)) {
    try {
      await nav.share(data);
      return 'shared';
    } catch (err) {
      // The person closed the sheet: not an error to show.
      if ((err as { name?: string }).name === 'AbortError') return 'cancelled';
    }
  }
  try {
    if (!nav.clipboard) return 'failed';
    await nav.clipboard.writeText(url);
    return 'copied';
  } catch {
    return 'failed';
  }
}
