import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { coarsePointer, isSendKey } from '../../lib/keys.ts';
import type { AttachmentsModel } from '../../models/attachments.ts';
import type { ChatModel } from '../../models/chat.ts';
import { Icon } from '../common/Icon.tsx';
import { ComposerBanner } from './ConversationExtras.tsx';

/**
 * Enter sends and Shift+Enter starts a new line; on touch-first devices Enter starts a new line and
 * the button sends (lib/keys.ts). An empty send says why nothing went.
 */
export function Composer({ chat, att }: { chat: ChatModel; att: AttachmentsModel }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const coarse = useMemo(() => coarsePointer(), []);
  const draft = chat.draft.value;
  const error = chat.error.value ?? att.error.value;
  const room = chat.room.value;
  const recording = att.recording.value;

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
      <ComposerBanner chat={chat} />
      {recording ? (
        <VoiceBar att={att} startedAt={recording.startedAt} level={recording.level} />
      ) : (
        <div class="composer-row">
          <AttachButtons att={att} />
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
          {draft.trim() === '' && (
            <button
              type="button"
              class="icon-btn"
              aria-label="Record a voice note"
              onClick={() => void att.startVoice()}
              data-testid="voice-record"
            >
              <Icon name="mic" size={20} />
            </button>
          )}
          <button type="submit" class="send-btn" aria-label="Send message" data-testid="send">
            <Icon name="send" size={20} />
          </button>
        </div>
      )}
    </form>
  );
}

/** A file picker and, on phones, the camera (capture); both hand their files to the attachments model. */
function AttachButtons({ att }: { att: AttachmentsModel }) {
  const pick = (e: Event) => {
    const input = e.currentTarget as HTMLInputElement;
    const files = [...(input.files ?? [])];
    input.value = ''; // the same file can be chosen again
    void att.sendFiles(files);
  };
  return (
    <>
      <label class="icon-btn" title="Attach a file" data-testid="attach-file">
        <Icon name="paperclip" size={20} />
        <input type="file" multiple class="visually-hidden" aria-label="Attach a file" onChange={pick} data-testid="attach-file-input" />
      </label>
      <label class="icon-btn" title="Photo" data-testid="attach-photo">
        <Icon name="camera" size={20} />
        <input
          type="file"
          accept="image/*"
          capture="environment"
          class="visually-hidden"
          aria-label="Take or choose a photo"
          onChange={pick}
          data-testid="attach-photo-input"
        />
      </label>
    </>
  );
}

function VoiceBar({ att, startedAt, level }: { att: AttachmentsModel; startedAt: number; level: number }) {
  const s = Math.floor((Date.now() - startedAt) / 1000);
  return (
    <div class="composer-row voice-bar" data-testid="voice-recording">
      <span class="rec-dot" aria-hidden="true" />
      <span class="rec-time" aria-live="off">
        {Math.floor(s / 60)}:{String(s % 60).padStart(2, '0')}
      </span>
      <meter class="rec-level" min={0} max={1} value={level} aria-label="Microphone level" />
      <button type="button" class="btn btn-ghost btn-sm" onClick={() => void att.stopVoice(false)} data-testid="voice-cancel">
        Cancel
      </button>
      <button type="button" class="send-btn" aria-label="Send voice note" onClick={() => void att.stopVoice(true)} data-testid="voice-send">
        <Icon name="send" size={20} />
      </button>
    </div>
  );
}
