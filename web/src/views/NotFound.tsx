// A route that names nothing (a mistyped or tampered link, #/chat/%E0, #/chat/garbage): said plainly,
// with the way back, instead of an empty chat with a stranger-looking title or a crash at start.
import { ScreenBar } from './common/ScreenBar.tsx';

export function NotFound() {
  return (
    <section class="screen" aria-labelledby="not-found-title" data-testid="not-found">
      <ScreenBar title="Not found" titleId="not-found-title" />
      <div class="empty-detail">
        <h2>This link leads nowhere</h2>
        <p class="muted">
          It does not name a chat or a screen of this app. Chat links carry a Session ID: 05 followed by 64 characters 0–9 and a–f.
        </p>
        <a class="btn btn-primary" href="#/" data-testid="not-found-home">
          Back to chats
        </a>
      </div>
    </section>
  );
}
