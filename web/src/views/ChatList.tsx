import { formatListTime } from '../lib/format.ts';
import type { ChatRow } from '../models/chatList.ts';
import { useApp, useSession } from './context.ts';
import { NotificationPrompt } from './NotificationPrompt.tsx';
import { Avatar } from './common/Avatar.tsx';
import { Icon } from './common/Icon.tsx';
import { StatusTick } from './chat/StatusTick.tsx';

export function ChatList() {
  const { app } = useApp();
  const s = useSession();
  const route = app.router.route.value;
  const active = route.name === 'chat' ? route.peer : null;
  const requests = s.invitations.incomingCount.value;
  const rows = s.chats.rows.value;
  return (
    <div class="list-screen" data-testid="chat-list-screen">
      <header class="bar">
        <a class="icon-btn me-btn" href="#/settings" aria-label="Settings" data-testid="nav-settings">
          <Avatar id={s.me} name={s.prefs.displayName.value || undefined} size="sm" />
        </a>
        <h1 class="bar-title">Chats</h1>
        <a class="icon-btn" href="#/contacts" aria-label={requests > 0 ? `Contacts, ${requests} new requests` : 'Contacts and requests'} data-testid="nav-contacts">
          <Icon name="users" />
          {requests > 0 && (
            <span class="badge" data-testid="requests-badge">
              {requests}
            </span>
          )}
        </a>
        <a class="icon-btn" href="#/add" aria-label="Add contact" data-testid="nav-add">
          <Icon name="userPlus" />
        </a>
      </header>
      <NotificationPrompt />
      {requests > 0 && (
        <a class="requests-row" href="#/contacts" data-testid="requests-row">
          <span class="requests-icon">
            <Icon name="userPlus" size={20} />
          </span>
          <span>
            <strong>{requests === 1 ? '1 contact request' : `${requests} contact requests`}</strong>
            <span class="muted"> · waiting for your answer</span>
          </span>
        </a>
      )}
      {s.chats.loaded.value && rows.length === 0 ? (
        <EmptyChats />
      ) : (
        <ul class="chat-rows" data-testid="chat-list" aria-label="Conversations">
          {rows.map((r) => (
            <Row key={r.peer} row={r} active={r.peer === active} />
          ))}
        </ul>
      )}
    </div>
  );
}

function Row({ row, active }: { row: ChatRow; active: boolean }) {
  const s = useSession();
  const name = s.contacts.name(row.peer);
  const online = s.contacts.online.value.has(row.peer);
  const typing = s.contacts.typing.value.has(row.peer);
  const last = row.last;
  const now = s.clock.now.value;
  const receiptsOn = s.privacy.value.sendReadReceipts;
  return (
    <li>
      <a
        class={`chat-row${active ? ' active' : ''}${row.unread > 0 ? ' unread' : ''}`}
        href={`#/chat/${row.peer}`}
        aria-current={active ? 'page' : undefined}
        data-testid="chat-row"
        data-peer={row.peer}
        aria-label={`${name}${online ? ', online' : ''}${row.unread > 0 ? `, ${row.unread} unread` : ''}`}
      >
        <Avatar id={row.peer} name={s.contacts.hasName(row.peer) ? name : undefined} online={online} />
        <span class="chat-row-main">
          <span class="chat-row-top">
            <span class="chat-row-name">{name}</span>
            {last && <time class="chat-row-time">{formatListTime(last.sentAt, now)}</time>}
          </span>
          <span class="chat-row-bottom">
            <span class={typing ? 'chat-row-preview typing-text' : 'chat-row-preview'} data-testid="chat-row-preview">
              {typing ? (
                'typing…'
              ) : last ? (
                <>
                  {last.direction === 'out' && <StatusTick status={last.status ?? 'queued'} receiptsOn={receiptsOn} compact />}
                  {last.direction === 'out' ? 'You: ' : ''}
                  {last.content}
                </>
              ) : (
                <span class="muted">New contact · say hi 👋</span>
              )}
            </span>
            {row.unread > 0 && (
              <span class="badge unread" data-testid="unread-count" data-count={row.unread}>
                {row.unread}
              </span>
            )}
          </span>
        </span>
      </a>
    </li>
  );
}

function EmptyChats() {
  const s = useSession();
  const pending = s.invitations.outgoing.value.filter((i) => i.status === 'pending').length;
  return (
    <div class="empty-list" data-testid="chats-empty">
      <Icon name="chat" size={44} />
      <h2>No chats yet</h2>
      <p class="muted">
        {pending > 0
          ? `Waiting for ${pending === 1 ? 'your request' : `${pending} requests`} to be accepted.`
          : 'Add someone by their Session ID, or share yours so they can add you.'}
      </p>
      <div class="row-actions center">
        <a class="btn btn-primary" href="#/add" data-testid="empty-add">
          <Icon name="userPlus" size={18} /> Add contact
        </a>
        <a class="btn btn-secondary" href="#/settings">
          <Icon name="qr" size={18} /> My Session ID
        </a>
      </div>
    </div>
  );
}
