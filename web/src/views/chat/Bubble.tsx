import type { StoredMessage } from '../../api.ts';
import { describeCode } from '../../lib/errors.ts';
import { formatFull, formatTime } from '../../lib/format.ts';
import { Icon } from '../common/Icon.tsx';
import { AttachmentSlot } from './AttachmentSlot.tsx';
import { StatusTick } from './StatusTick.tsx';

export function Bubble({ m, receiptsOn, onRetry }: { m: StoredMessage; receiptsOn: boolean; onRetry: (id: string) => void }) {
  const out = m.direction === 'out';
  const status = m.status ?? 'queued';
  const time = formatTime(m.sentAt);
  return (
    <li class={out ? 'msg out' : 'msg in'} data-testid="message" data-id={m.id} data-direction={m.direction} data-status={out ? status : undefined}>
      <div class={`${status === 'failed' && out ? 'bubble failed' : 'bubble'}${m.attachment ? ' has-att' : ''}`}>
        {m.attachment && <AttachmentSlot m={m} />}
        <p class="msg-text">
          <span data-testid="message-text">{m.content}</span>
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
