import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { coarsePointer, isSendKey } from '../../lib/keys.ts';
import type { ChatModel } from '../../models/chat.ts';
import { Icon } from '../common/Icon.tsx';

/**
 * Enter sends and Shift+Enter starts a new line; on touch-first devices Enter starts a new line and
 * the button sends (lib/keys.ts). An empty send says why nothing went.
 */
export function Composer({ chat }: { chat: ChatModel }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const coarse = useMemo(() => coarsePointer(), []);
  const draft = chat.draft.value;
  const error = chat.error.value;
  const room = chat.room.value;

  useLayoutEffect(() => {
    const ta = ref.current;
    if (!ta) return;
    ta.style.height = 'auto'; // CSSOM, not a style attribute: allowed under style-src 'self'
    ta.style.height = `${Math.min(ta.scrollHeight, 160)}px`;
  }, [draft]);

  const send = () => {
    void chat.send();
    ref.current?.focus();
  };

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
      data-testid="composer"
    >
      {error && (
        <p class="field-error composer-error" role="alert" id="composer-error" data-testid="composer-error">
          {error}
        </p>
      )}
      {room !== null && (
        <p class={room < 0 ? 'composer-limit over' : 'composer-limit'} aria-live="polite" data-testid="composer-limit" data-room={room}>
          {room < 0 ? `Too long by about ${(-room).toLocaleString()} characters` : `About ${room.toLocaleString()} characters left`}
        </p>
      )}
      <div class="composer-row">
        <label class="visually-hidden" for="composer-input">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={ref}
          rows={1}
          value={draft}
          placeholder="Message"
          autocomplete="off"
          enterkeyhint={coarse ? 'enter' : 'send'}
          aria-describedby={error ? 'composer-error' : undefined}
          aria-invalid={error ? 'true' : undefined}
          data-testid="composer-input"
          onInput={(e) => chat.input((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (isSendKey(e, coarse)) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" class="send-btn" aria-label="Send message" data-testid="send">
          <Icon name="send" size={20} />
        </button>
      </div>
    </form>
  );
}
