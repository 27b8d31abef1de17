// The chat list's search over local history: results newest first; one opens its chat at the message.
import type { StoredMessage } from '../api.ts';
import { formatListTime } from '../lib/format.ts';
import { SearchModel } from '../models/search.ts';
import type { Session } from '../models/session.ts';
import { useModel } from '../models/useModel.ts';
import { Icon } from './common/Icon.tsx';

export function SearchBox({ s }: { s: Session }) {
  const search = useModel(() => new SearchModel(s.client), [s]);
  const q = search.query.value;
  const results = search.results.value;
  return (
    // biome-ignore lint/a11y/useSemanticElements: <search> is too new for the browsers this app supports; role="search" is what they read
    <div class="search" role="search">
      <label class="search-field">
        <Icon name="search" size={18} />
        <span class="visually-hidden">Search messages</span>
        <input
          type="search"
          class="input"
          placeholder="Search messages"
          value={q}
          data-testid="search-input"
          onInput={(e) => void search.input((e.currentTarget as HTMLInputElement).value)}
        />
      </label>
      {q.trim() !== '' && (
        <div class="search-results" data-testid="search-results" aria-live="polite">
          {results.length === 0 && !search.searching.value && (
            <p class="muted search-none" data-testid="search-none">
              No messages found.
            </p>
          )}
          <ul class="chat-rows" aria-label="Search results">
            {results.map((m) => (
              <Result key={m.id} m={m} s={s} onOpen={() => search.open(m)} />
            ))}
          </ul>
          {search.more.value && (
            <button type="button" class="btn btn-ghost btn-sm" data-testid="search-more" onClick={() => void search.loadMore()}>
              More results
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function Result({ m, s, onOpen }: { m: StoredMessage; s: Session; onOpen: () => void }) {
  return (
    <li>
      <a class="chat-row" href={`#/chat/${m.peer}`} data-testid="search-result" data-id={m.id} data-peer={m.peer} onClick={onOpen}>
        <span class="chat-row-main">
          <span class="chat-row-top">
            <span class="chat-row-name">{s.contacts.name(m.peer)}</span>
            <time class="chat-row-time">{formatListTime(m.sentAt, s.clock.now.value)}</time>
          </span>
          <span class="chat-row-preview">
            {m.direction === 'out' ? 'You: ' : ''}
            {m.content}
          </span>
        </span>
      </a>
    </li>
  );
}
