// Pieces of the conversation view for its features: the timer notice, hiding expired messages,
// scrolling to a search result, the reply/edit banner over the composer.
import type { RefObject } from 'preact';
import { useEffect } from 'preact/hooks';
import type { StoredMessage } from '../../api.ts';
import type { ChatModel } from '../../models/chat.ts';
import { timerNotice } from '../../models/messageActions.ts';
import { Icon } from '../common/Icon.tsx';

/** Messages still to show: a disappearing one whose time is up is hidden even before the sweep. */
export function visibleMessages(list: readonly StoredMessage[], now: number): readonly StoredMessage[] {
  return list.some((m) => m.expiresAt !== undefined && m.expiresAt <= now)
    ? list.filter((m) => m.expiresAt === undefined || m.expiresAt > now)
    : list;
}

export function TimerNotice({ m, name }: { m: StoredMessage; name: string }) {
  return (
    <li class="chat-event" data-testid="timer-notice" data-ms={m.content} role="note">
      <span>
        <Icon name="clock" size={14} /> {timerNotice(m, name)}
      </span>
    </li>
  );
}

/** The message a search result opened: scrolled into view and marked for a moment. */
export function useHighlight(chat: ChatModel, box: RefObject<HTMLElement | null>): string | null {
  const id = chat.actions.highlight.value;
  useEffect(() => {
    if (!id) return;
    const el = box.current?.querySelector(`[data-id="${CSS.escape(id)}"]`);
    el?.scrollIntoView({ block: 'center' });
    const t = setTimeout(() => {
      if (chat.actions.highlight.value === id) chat.actions.highlight.value = null;
    }, 4000);
    return () => clearTimeout(t);
  }, [id]);
  return id;
}

/** Over the composer: what the draft replies to, or that it edits a message; × cancels. */
export function ComposerBanner({ chat }: { chat: ChatModel }) {
  const a = chat.actions;
  const reply = a.replyTo.value;
  const editing = a.editing.value;
  if (!reply && !editing) return null;
  return (
    <div class="composer-banner" data-testid={editing ? 'edit-banner' : 'reply-preview'}>
      <div class="composer-banner-text">
        <strong>{editing ? 'Edit message' : `Reply to ${reply!.direction === 'out' ? 'yourself' : chat.name.value}`}</strong>
        <span class="muted">{(editing ?? reply)!.content.slice(0, 200)}</span>
      </div>
      <button
        type="button"
        class="icon-btn"
        aria-label={editing ? 'Cancel edit' : 'Cancel reply'}
        data-testid="cancel-compose"
        onClick={() => a.cancelCompose()}
      >
        <Icon name="close" size={18} />
      </button>
    </div>
  );
}
