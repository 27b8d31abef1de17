// The signed-in layout. Phone: one screen at a time. Desktop: the chat list stays on the left and
// the route's screen (a chat, contacts, settings) fills the right. While the SDK loads it is drawn
// from the start-up snapshot: the list is real links, the detail pane waits for the session.
import { useApp, useLiveSession } from './context.ts';
import { AddContact } from './AddContact.tsx';
import { ChatList } from './ChatList.tsx';
import { ConnectionBanner } from './ConnectionBanner.tsx';
import { ChatView } from './chat/ChatView.tsx';
import { Contacts } from './Contacts.tsx';
import { Settings } from './Settings.tsx';
import { Icon } from './common/Icon.tsx';
import { NotFound } from './NotFound.tsx';
import { StartingDetail } from './StartingDetail.tsx';

export function Shell() {
  const { app } = useApp();
  const live = useLiveSession();
  const route = app.router.route.value;
  const detail = route.name !== 'chats';
  const hasContacts = live ? live.contacts.accepted.value.length > 0 : Boolean(app.preview.value?.hasContacts);
  return (
    <div class="frame" data-testid={live ? 'app-shell' : 'app-shell-preview'} aria-busy={live ? undefined : 'true'}>
      {/* Not a #fragment link: the hash holds the route. */}
      <button type="button" class="skip-link" onClick={skipToContent}>
        Skip to content
      </button>
      {live && <ConnectionBanner />}
      <div class={detail ? 'shell show-detail' : 'shell'}>
        <aside class="pane-list" aria-label="Chats">
          <ChatList />
        </aside>
        <main class="pane-detail" id="main" tabIndex={-1}>
          {route.name === 'notFound' && <NotFound />}
          {!live && detail && route.name !== 'notFound' && <StartingDetail />}
          {live && route.name === 'chat' && <ChatView key={route.peer} peer={route.peer} />}
          {live && route.name === 'contacts' && <Contacts />}
          {live && route.name === 'add' && <AddContact key={route.id ?? ''} initialId={route.id ?? ''} />}
          {live && route.name === 'settings' && <Settings />}
          {route.name === 'chats' && (
            <div class="empty-detail">
              <Icon name="lock" size={40} />
              <h2>Private by design</h2>
              <p class="muted">
                Messages are end-to-end encrypted. The server relays them without being able to read them, and no one needs your phone
                number.
              </p>
              {!hasContacts && (
                <a class="btn btn-primary" href="#/add">
                  Add your first contact
                </a>
              )}
            </div>
          )}
        </main>
      </div>
    </div>
  );
}

function skipToContent(): void {
  const main = document.getElementById('main');
  const target = main && main.offsetParent !== null ? main : document.querySelector<HTMLElement>('.pane-list a, .pane-list button');
  target?.focus();
}
