import { shortId } from '../lib/format.ts';
import { useApp } from './context.ts';
import { Avatar } from './common/Avatar.tsx';
import { Icon } from './common/Icon.tsx';

/**
 * The detail pane opened from the start-up preview before the session is up: the chat's bar from
 * the snapshot, then the real screen for the same route as soon as the SDK has started.
 */
export function StartingDetail() {
  const { app } = useApp();
  const route = app.router.route.value;
  const names = app.preview.value?.names;
  const peer = route.name === 'chat' ? route.peer : null;
  const name = peer ? (names?.get(peer) ?? shortId(peer)) : null;
  return (
    <section class="chat" aria-label={name ? `Chat with ${name}` : 'Opening'} data-testid="starting-detail">
      <header class="bar chat-bar">
        <a class="icon-btn back-btn" href="#/" aria-label="Back to chats" data-testid="back">
          <Icon name="back" />
        </a>
        {peer && <Avatar id={peer} name={names?.has(peer) ? name! : undefined} />}
        <div class="chat-title">{name && <h1 data-testid="chat-name">{name}</h1>}</div>
      </header>
      <div class="empty-detail" role="status">
        <Icon name="retry" size={28} class="spin" />
        <p>Opening…</p>
      </div>
    </section>
  );
}
