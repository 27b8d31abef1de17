// The chat header's options: disappearing-messages timer (both people's devices apply it and the
// chat shows a notice), mute, delete chat. A modal <dialog>: focus trapped, Escape closes.
import { useSignal } from '@preact/signals';
import type { ChatModel } from '../../models/chat.ts';
import { TIMER_CHOICES } from '../../models/messageActions.ts';
import { ConfirmDialog, useModal } from '../common/Dialog.tsx';
import { Icon } from '../common/Icon.tsx';

export function ChatMenu({ chat }: { chat: ChatModel }) {
  const open = useSignal(false);
  const a = chat.actions;
  const ref = useModal(open.value);
  const close = () => (open.value = false);
  return (
    <>
      <button
        type="button"
        class="icon-btn"
        aria-label="Chat options"
        aria-haspopup="dialog"
        data-testid="chat-menu"
        onClick={() => (open.value = true)}
      >
        <Icon name="clock" />
        {a.timerMs.value > 0 && <span class="visually-hidden">, disappearing messages on</span>}
      </button>
      <dialog
        ref={ref}
        class="dialog"
        aria-labelledby="chat-menu-title"
        data-testid="chat-menu-dialog"
        onCancel={(e) => (e.preventDefault(), close())}
      >
        <h2 id="chat-menu-title">Chat options</h2>
        <div class="dialog-body">
          <label class="field-label" for="timer-select">
            Disappearing messages
          </label>
          <select
            id="timer-select"
            class="input"
            data-testid="timer-select"
            value={String(a.timerMs.value)}
            onChange={(e) => {
              void a.setTimer(Number((e.currentTarget as HTMLSelectElement).value));
              close();
            }}
          >
            {TIMER_CHOICES.map((c) => (
              <option key={c.ms} value={String(c.ms)}>
                {c.label}
              </option>
            ))}
          </select>
          <p class="muted small">New messages disappear this long after they are sent, on both your devices and theirs.</p>
          <label class="switch-row">
            <input type="checkbox" checked={a.muted.value} data-testid="mute-toggle" onChange={() => void a.toggleMute()} /> Mute
            notifications
          </label>
        </div>
        <div class="dialog-actions">
          <button
            type="button"
            class="btn btn-danger"
            data-testid="delete-chat"
            onClick={() => {
              close();
              a.askDeleteChat();
            }}
          >
            Delete chat
          </button>
          <button type="button" class="btn btn-secondary" data-testid="chat-menu-close" onClick={close}>
            Done
          </button>
        </div>
      </dialog>
      <ConfirmDialog
        open={a.deleteChatConfirm.value}
        title="Delete this chat?"
        confirmLabel="Delete"
        danger
        testId="delete-chat-dialog"
        onConfirm={async () => {
          if (await a.deleteChat()) location.hash = '#/';
        }}
        onCancel={() => a.askDeleteChat(false)}
      >
        <p>Its messages are deleted from this device and your other devices. The other person keeps theirs.</p>
      </ConfirmDialog>
    </>
  );
}
