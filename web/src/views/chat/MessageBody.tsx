// What a bubble says: the quoted message of a reply, the text with its links, "edited", the
// tombstone of a message deleted for everyone, and the reaction chips under it.
import type { StoredMessage } from '../../api.ts';
import { linkify } from '../../lib/linkify.ts';

/** Text with http(s) links as <a> elements (text nodes only: never innerHTML). */
export function LinkedText({ text }: { text: string }) {
  return (
    <>
      {linkify(text).map((p, i) =>
        p.href ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer" class="msg-link" data-testid="message-link">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </>
  );
}

export function MessageContent({ m, onQuote }: { m: StoredMessage; onQuote?: (id: string) => void }) {
  if (m.deleted) {
    return (
      <span class="msg-deleted" data-testid="message-deleted">
        This message was deleted.
      </span>
    );
  }
  return (
    <>
      {m.replyTo && (
        <button
          type="button"
          class="msg-quote"
          data-testid="message-quote"
          data-reply-to={m.replyTo.id}
          aria-label={`Reply to: ${m.replyTo.quote}`}
          onClick={() => onQuote?.(m.replyTo!.id)}
        >
          {m.replyTo.quote}
        </button>
      )}
      <span data-testid="message-text">
        <LinkedText text={m.content} />
      </span>
      {m.editedAt !== undefined && (
        <span class="msg-edited" data-testid="message-edited">
          {' '}
          edited
        </span>
      )}
    </>
  );
}

export function ReactionChips({ m, me, onToggle }: { m: StoredMessage; me: string; onToggle: (emoji: string) => void }) {
  const entries = Object.entries(m.reactions ?? {}).filter(([, who]) => who.length > 0);
  if (m.deleted || entries.length === 0) return null;
  return (
    <div class="reactions" data-testid="reactions">
      {entries.map(([emoji, who]) => {
        const mine = who.includes(me);
        return (
          <button
            key={emoji}
            type="button"
            class={mine ? 'reaction mine' : 'reaction'}
            aria-pressed={mine}
            aria-label={`${emoji} ${who.length}${mine ? ', including you' : ''}`}
            data-testid="reaction"
            data-emoji={emoji}
            data-count={who.length}
            onClick={() => onToggle(emoji)}
          >
            {emoji} {who.length > 1 ? who.length : ''}
          </button>
        );
      })}
    </div>
  );
}
