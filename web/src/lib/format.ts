// How ids, times and counts are written for people. Pure functions: the clock is passed in.

/** "05ab12…9fe3": enough to recognise, short enough for a list row. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

/** A Session ID in groups of 6 hex characters, easier to compare by eye and read aloud. */
export function groupedId(id: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < id.length; i += 6) out.push(id.slice(i, i + 6));
  return out;
}

const DAY = 86_400_000;
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortWeekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short' });
const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

function startOfDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

export function formatTime(ts: number): string {
  return timeFmt.format(ts);
}

export function formatFull(ts: number): string {
  return fullFmt.format(ts);
}

/** Day separator in a conversation: "Today", "Yesterday", "Monday", "3 Mar", "3 Mar 2024". */
export function formatDay(ts: number, now: number): string {
  const days = Math.round((startOfDay(now) - startOfDay(ts)) / DAY);
  if (days <= 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days < 7) return weekdayFmt.format(ts);
  return new Date(ts).getFullYear() === new Date(now).getFullYear() ? dateFmt.format(ts) : fullDateFmt.format(ts);
}

/** Time of the last message in the chat list: "14:05", "Yesterday", "Mon", "3 Mar". */
export function formatListTime(ts: number, now: number): string {
  const days = Math.round((startOfDay(now) - startOfDay(ts)) / DAY);
  if (days <= 0) return formatTime(ts);
  if (days === 1) return 'Yesterday';
  if (days < 7) return shortWeekdayFmt.format(ts);
  return dateFmt.format(ts);
}

export function isSameDay(a: number, b: number): boolean {
  return startOfDay(a) === startOfDay(b);
}

/** "23 h left", "45 min left", "less than a minute left", "expired". */
export function timeLeft(expiresAt: number, now: number): string {
  const ms = expiresAt - now;
  if (ms <= 0) return 'expired';
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'less than a minute left';
  if (min < 60) return `${min} min left`;
  return `${Math.floor(min / 60)} h left`;
}

/**
 * One or two letters for an avatar: the first letter of the first and last words that have one
 * (punctuation, digits and emoji are skipped: "A(" is "A"); for a name without letters, the start
 * of the ID after "05".
 */
export function initials(name: string | undefined, id: string): string {
  const letters = (name ?? '')
    .split(/\s+/)
    .map((w) => /\p{L}/u.exec(w)?.[0])
    .filter((l): l is string => l !== undefined);
  if (letters.length === 0) return id.slice(2, 4).toUpperCase();
  return (letters[0]! + (letters.length > 1 ? letters[letters.length - 1]! : '')).toUpperCase();
}

/** A stable colour slot (0-7) per Session ID, so a contact keeps its avatar colour everywhere. */
export function hueSlot(id: string): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % 8;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
