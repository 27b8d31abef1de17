// The conversation's scroll area. It follows new messages only while the reader is at the bottom;
// reading history stays put (new messages raise a "new messages" button instead), and paging
// older messages in keeps what is on screen where it was.
import { useSignal } from '@preact/signals';
import { Fragment } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { formatDay, isSameDay } from '../../lib/format.ts';
import type { ChatModel } from '../../models/chat.ts';
import { useSession } from '../context.ts';
import { Icon } from '../common/Icon.tsx';
import { Bubble } from './Bubble.tsx';
import { MessageMenu } from './MessageMenu.tsx';
import { TimerNotice, useHighlight, visibleMessages } from './ConversationExtras.tsx';

const NEAR_BOTTOM_PX = 80;
const LOAD_OLDER_PX = 240;

export function MessageList({ chat }: { chat: ChatModel }) {
  const s = useSession();
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const newBelow = useSignal(0);
  const now = s.clock.now.value;
  // Expired disappearing messages leave the screen at once, before the sweep deletes them.
  const messages = visibleMessages(chat.messages.value, now);
  const highlight = useHighlight(chat, ref);
  const receiptsOn = s.privacy.value.sendReadReceipts;
  const typing = chat.typing.value;

  // Read before the DOM changes (render runs before commit): what the layout effect compares to.
  const el = ref.current;
  const before = useRef({ height: 0, top: 0, first: '', last: '', count: 0 });
  if (el)
    before.current = {
      height: el.scrollHeight,
      top: el.scrollTop,
      first: before.current.first,
      last: before.current.last,
      count: before.current.count,
    };

  useLayoutEffect(() => {
    const box = ref.current;
    if (!box) return;
    const prev = before.current;
    const first = messages[0]?.id ?? '';
    const last = messages[messages.length - 1]?.id ?? '';
    if (prev.count === 0) {
      box.scrollTop = box.scrollHeight; // first render of the conversation: the newest at the bottom
    } else if (first !== prev.first && last === prev.last) {
      box.scrollTop = prev.top + (box.scrollHeight - prev.height); // older ones came in above
    } else if (last !== prev.last) {
      const mine = messages[messages.length - 1]?.direction === 'out';
      if (atBottom.current || mine) {
        box.scrollTop = box.scrollHeight;
        newBelow.value = 0;
      } else {
        newBelow.value += messages.length - prev.count;
      }
    }
    before.current = { height: box.scrollHeight, top: box.scrollTop, first, last, count: messages.length };
  }, [messages]);

  useLayoutEffect(() => {
    const box = ref.current;
    if (box && typing && atBottom.current) box.scrollTop = box.scrollHeight;
  }, [typing]);

  const onScroll = () => {
    const box = ref.current;
    if (!box) return;
    atBottom.current = box.scrollHeight - box.scrollTop - box.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current) newBelow.value = 0;
    if (box.scrollTop < LOAD_OLDER_PX && chat.hasOlder.value && !chat.loadingOlder.value) void chat.loadOlder();
  };

  const toBottom = () => {
    const box = ref.current;
    if (box) box.scrollTop = box.scrollHeight;
    newBelow.value = 0;
  };

  return (
    <div class="messages-wrap">
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: the label names the focusable scrolling region for screen readers (axe scrollable-region-focusable) */}
      <div
        class="messages"
        ref={ref}
        onScroll={onScroll}
        data-testid="message-scroller"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take keyboard focus to scroll (WCAG 2.1.1; axe scrollable-region-focusable)
        tabIndex={0}
        aria-label={`Conversation with ${chat.name.value}`}
      >
        {chat.hasOlder.value && (
          <button
            type="button"
            class="btn btn-ghost btn-sm load-older"
            onClick={() => chat.loadOlder()}
            disabled={chat.loadingOlder.value}
            data-testid="load-older"
          >
            {chat.loadingOlder.value ? 'Loading…' : 'Load earlier messages'}
          </button>
        )}
        {chat.loaded.value && messages.length === 0 && (
          <div class="chat-empty" data-testid="chat-empty">
            <Icon name="lock" size={28} />
            <p>Messages with {chat.name.value} are end-to-end encrypted. Say hi!</p>
          </div>
        )}
        <ol class="message-list" data-testid="message-list" aria-live="polite" aria-relevant="additions">
          {messages.map((m, i) => {
            const prev = messages[i - 1];
            return (
              <Fragment key={m.id}>
                {(!prev || !isSameDay(prev.sentAt, m.sentAt)) && (
                  <li class="day-sep" aria-hidden="false">
                    <span>{formatDay(m.sentAt, now)}</span>
                  </li>
                )}
                {m.messageType === 'timer' ? (
                  <TimerNotice m={m} name={chat.name.value} />
                ) : (
                  <Bubble
                    m={m}
                    receiptsOn={receiptsOn}
                    onRetry={(id) => chat.retry(id)}
                    actions={chat.actions}
                    me={s.me}
                    highlight={highlight === m.id}
                  />
                )}
              </Fragment>
            );
          })}
        </ol>
        {typing && (
          <div class="typing" data-testid="typing-indicator" role="status">
            <span class="dots" aria-hidden="true">
              <i />
              <i />
              <i />
            </span>
            <span>{chat.name.value} is typing…</span>
          </div>
        )}
      </div>
      <MessageMenu chat={chat} me={s.me} now={now} />
      {newBelow.value > 0 && (
        <button type="button" class="new-below" onClick={toBottom} data-testid="new-below">
          <Icon name="arrowDown" size={16} /> {newBelow.value === 1 ? '1 new message' : `${newBelow.value} new messages`}
        </button>
      )}
    </div>
  );
}
