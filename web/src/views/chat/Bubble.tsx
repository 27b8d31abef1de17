import type { StoredMessage } from '../../api.ts';
import { describeCode } from '../../lib/errors.ts';
import { formatFull, formatTime } from '../../lib/format.ts';
import type { MessageActions } from '../../models/messageActions.ts';
import { Icon } from '../common/Icon.tsx';
import { AttachmentSlot } from './AttachmentSlot.tsx';
import { MessageContent, ReactionChips } from './MessageBody.tsx';
import { menuHandlers } from './MessageMenu.tsx';
import { StatusTick } from './StatusTick.tsx';

export function Bubble({
  m,
  receiptsOn,
  onRetry,
  actions,
  me = '',
  highlight = false,
}: {
  m: StoredMessage;
  receiptsOn: boolean;
  onRetry: (id: string) => void;
  actions?: MessageActions;
  me?: string;
  highlight?: boolean;
}) {
  const out = m.direction === 'out';
  const status = m.status ?? 'queued';
  const time = formatTime(m.sentAt);
  return (
    <li
      class={`${out ? 'msg out' : 'msg in'}${highlight ? ' highlight' : ''}`}
      data-testid="message"
      data-id={m.id}
      data-direction={m.direction}
      data-status={out ? status : undefined}
      data-deleted={m.deleted ? 'true' : undefined}
      {...(actions ? menuHandlers(actions, m.id) : {})}
    >
      <div class={`${status === 'failed' && out ? 'bubble failed' : 'bubble'}${m.attachment ? ' has-att' : ''}`}>
        {m.attachment && <AttachmentSlot m={m} />}
        <p class="msg-text">
          <MessageContent m={m} onQuote={(id) => void actions?.jumpTo(id)} />
          {/* An invisible copy of the meta reserves its room at the end of the last line. */}
          <span class="msg-meta-spacer" aria-hidden="true">
            {time}
            {out && <span class="tick-space" />}
          </span>
        </p>
        <span class="msg-meta">
          <time dateTime={new Date(m.sentAt).toISOString()} title={formatFull(m.sentAt)}>
            {time}
          </time>
          {out && <StatusTick status={status} receiptsOn={receiptsOn} />}
        </span>
      </div>
      {actions && !m.deleted && (
        // Keyboard and screen-reader way to the menu: shown when focused.
        <button
          type="button"
          class="msg-actions-btn"
          aria-label="Message actions"
          data-testid="message-actions"
          onClick={() => actions.openMenu(m.id)}
        >
          …
        </button>
      )}
      {actions && <ReactionChips m={m} me={me} onToggle={(emoji) => void actions.react(m.id, emoji, me)} />}
      {out && status === 'failed' && (
        <div class="msg-failed" role="alert">
          <span>Not sent. {describeCode(m.failureReason)}</span>
          <button type="button" class="btn btn-ghost btn-sm" onClick={() => onRetry(m.id)} data-testid="retry">
            <Icon name="retry" size={16} /> Retry
          </button>
        </div>
      )}
    </li>
  );
}
