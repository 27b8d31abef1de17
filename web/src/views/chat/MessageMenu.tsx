// The message menu: right-click (desktop) or long-press (phone) on a bubble opens it as a modal
// <dialog> (focus trapped, Escape closes), with reply, reactions, edit and the two deletes.
import { useModal } from '../common/Dialog.tsx';
import type { ChatModel } from '../../models/chat.ts';
import { REACTIONS } from '../../models/messageActions.ts';
import type { MessageActions } from '../../models/messageActions.ts';

const LONG_PRESS_MS = 500;
const MOVE_TOLERANCE_PX = 10;

/** Handlers for a bubble: contextmenu opens the menu; a touch held still for 500 ms does too. */
export function menuHandlers(actions: MessageActions, id: string) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let start = { x: 0, y: 0 };
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return {
    onContextMenu: (e: MouseEvent) => {
      e.preventDefault();
      cancel();
      actions.openMenu(id, e.clientX, e.clientY);
    },
    onPointerDown: (e: PointerEvent) => {
      if (e.pointerType !== 'touch') return; // a mouse has its right button
      start = { x: e.clientX, y: e.clientY };
      cancel();
      timer = setTimeout(() => actions.openMenu(id, start.x, start.y), LONG_PRESS_MS);
    },
    onPointerMove: (e: PointerEvent) => {
      if (Math.abs(e.clientX - start.x) > MOVE_TOLERANCE_PX || Math.abs(e.clientY - start.y) > MOVE_TOLERANCE_PX) cancel();
    },
    onPointerUp: cancel,
    onPointerCancel: cancel,
  };
}

export function MessageMenu({ chat, me, now }: { chat: ChatModel; me: string; now: number }) {
  const a = chat.actions;
  const state = a.menu.value;
  const m = state ? chat.messages.value.find((x) => x.id === state.id) : undefined;
  const ref = useModal(m !== undefined);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: the click closes on the backdrop; Escape (onCancel) does the same from the keyboard
    <dialog
      ref={ref}
      class="dialog message-menu"
      aria-label="Message actions"
      data-testid="message-menu"
      onCancel={(e) => (e.preventDefault(), a.closeMenu())}
      onClick={(e) => e.target === ref.current && a.closeMenu()}
    >
      {m && (
        <>
          {/* biome-ignore lint/a11y/useSemanticElements: a row of buttons, not a form: a fieldset would add a border and a legend */}
          <div class="reaction-picker" role="group" aria-label="React">
            {REACTIONS.map((emoji) => (
              <button
                key={emoji}
                type="button"
                class={a.mine(m, emoji, me) ? 'reaction-pick mine' : 'reaction-pick'}
                aria-pressed={a.mine(m, emoji, me)}
                aria-label={`React ${emoji}`}
                data-testid="react-option"
                data-emoji={emoji}
                onClick={() => a.react(m.id, emoji, me)}
              >
                {emoji}
              </button>
            ))}
          </div>
          <div class="menu-items" role="menu">
            <button type="button" role="menuitem" class="menu-item" data-testid="menu-reply" onClick={() => a.startReply(m.id)}>
              Reply
            </button>
            {a.canEdit(m) && (
              <button type="button" role="menuitem" class="menu-item" data-testid="menu-edit" onClick={() => a.startEdit(m.id)}>
                Edit
              </button>
            )}
            <button type="button" role="menuitem" class="menu-item danger" data-testid="menu-delete-me" onClick={() => a.deleteForMe(m.id)}>
              Delete for me
            </button>
            {a.canUnsend(m, now) && (
              <button
                type="button"
                role="menuitem"
                class="menu-item danger"
                data-testid="menu-delete-everyone"
                onClick={() => a.deleteForEveryone(m.id)}
              >
                Delete for everyone
              </button>
            )}
            <button type="button" role="menuitem" class="menu-item" data-testid="menu-close" onClick={() => a.closeMenu()}>
              Cancel
            </button>
          </div>
        </>
      )}
    </dialog>
  );
}
