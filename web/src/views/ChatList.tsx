import { formatListTime, shortId } from '../lib/format.ts';
import type { ChatRow } from '../models/chatList.ts';
import type { ChatListSnapshot } from '../models/snapshot.ts';
import type { Session } from '../models/session.ts';
import { useApp, useLiveSession } from './context.ts';
import { NotificationPrompt } from './NotificationPrompt.tsx';
import { SearchBox } from './SearchBox.tsx';
import { timerNotice } from '../models/messageActions.ts';
import { Avatar } from './common/Avatar.tsx';
import { Icon } from './common/Icon.tsx';
import { StatusTick } from './chat/StatusTick.tsx';

/**
 * What the list draws, from the live session or, while the SDK loads, from the start-up snapshot.
 * One component tree for both, so the live list takes over the same DOM (focus and scroll stay).
 */
interface ListSource {
  readonly me: string;
  readonly requests: number;
  readonly rows: readonly ChatRow[];
  readonly loaded: boolean;
  /** My requests still waiting for an answer. */
  readonly waiting: () => number;
  readonly now: () => number;
  readonly receiptsOn: () => boolean;
  readonly name: (id: string) => string;
  readonly named: (id: string) => boolean;
  readonly online: (id: string) => boolean;
  readonly typing: (id: string) => boolean;
}

function liveSource(s: Session): ListSource {
  return {
    me: s.me,
    requests: s.invitations.incomingCount.value,
    rows: s.chats.rows.value,
    loaded: s.chats.loaded.value,
    waiting: () => s.invitations.outgoing.value.filter((i) => i.status === 'pending').length,
    now: () => s.clock.now.value,
    receiptsOn: () => s.privacy.value.sendReadReceipts,
    name: (id) => s.contacts.name(id),
    named: (id) => s.contacts.hasName(id),
    online: (id) => s.contacts.online.value.has(id),
    typing: (id) => s.contacts.typing.value.has(id),
  };
}

function snapshotSource(p: ChatListSnapshot): ListSource {
  return {
    me: p.me,
    requests: p.requests,
    rows: p.rows,
    loaded: true,
    waiting: () => p.waiting,
    now: () => p.at,
    receiptsOn: () => p.receiptsOn,
    name: (id) => p.names.get(id) ?? shortId(id),
    named: (id) => p.names.has(id),
    // Presence and typing are live only; the session starts with everyone offline too.
    online: () => false,
    typing: () => false,
  };
}

export function ChatList() {
  const { app } = useApp();
  const live = useLiveSession();
  const preview = app.preview.value;
  const src = live ? liveSource(live) : preview ? snapshotSource(preview) : null;
  if (!src) return null;
  const route = app.router.route.value;
  const active = route.name === 'chat' ? route.peer : null;
  const { requests, rows } = src;
  return (
    <div class="list-screen" data-testid="chat-list-screen">
      <header class="bar">
        <a class="icon-btn me-btn" href="#/settings" aria-label="Settings" data-testid="nav-settings">
          <Avatar id={src.me} name={app.prefs.displayName.value || undefined} size="sm" />
        </a>
        <h1 class="bar-title">Chats</h1>
        <a
          class="icon-btn"
          href="#/contacts"
          aria-label={requests > 0 ? `Contacts, ${requests} new requests` : 'Contacts and requests'}
          data-testid="nav-contacts"
        >
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
      {live && <SearchBox s={live} />}
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
      {src.loaded && rows.length === 0 ? (
        <EmptyChats waiting={src.waiting()} />
      ) : (
        <ul class="chat-rows" data-testid="chat-list" aria-label="Conversations">
          {rows.map((r) => (
            <Row key={r.peer} row={r} active={r.peer === active} src={src} />
          ))}
        </ul>
      )}
    </div>
  );
}

function Row({ row, active, src }: { row: ChatRow; active: boolean; src: ListSource }) {
  const name = src.name(row.peer);
  const online = src.online(row.peer);
  const typing = src.typing(row.peer);
  const last = row.last;
  const now = src.now();
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
        <Avatar id={row.peer} name={src.named(row.peer) ? name : undefined} online={online} />
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
                last.messageType === 'timer' ? (
                  timerNotice(last, name)
                ) : (
                  <>
                    {last.direction === 'out' && <StatusTick status={last.status ?? 'queued'} receiptsOn={src.receiptsOn()} compact />}
                    {last.direction === 'out' ? 'You: ' : ''}
                    {last.deleted ? <em>This message was deleted.</em> : last.content}
                  </>
                )
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

function EmptyChats({ waiting }: { waiting: number }) {
  return (
    <div class="empty-list" data-testid="chats-empty">
      <Icon name="chat" size={44} />
      <h2>No chats yet</h2>
      <p class="muted">
        {waiting > 0
          ? `Waiting for ${waiting === 1 ? 'your request' : `${waiting} requests`} to be accepted.`
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
