import { useApp, useLiveSession } from './context.ts';
import { Icon } from './common/Icon.tsx';

/**
 * Asked once there is someone to hear from, and only when the person says yes. In the start-up
 * preview the card is drawn where it will be (no jump when the session takes over), its buttons
 * waiting for the session.
 */
export function NotificationPrompt() {
  const { app } = useApp();
  const live = useLiveSession();
  const preview = app.preview.value;
  const notifications = live?.notifications;
  const shown = notifications
    ? notifications.prompt.value
    : Boolean(preview?.hasContacts) &&
      !app.prefs.notifyDismissed.value &&
      typeof Notification !== 'undefined' &&
      Notification.permission === 'default';
  if (!shown) return null;
  return (
    <section class="card notify-card" aria-labelledby="notify-title" data-testid="notify-prompt">
      <Icon name="bell" size={22} />
      <div>
        <h2 id="notify-title">Know when they write</h2>
        <p class="muted">Get a notification for new messages while Session is in the background. The content stays on this device.</p>
        <div class="row-actions">
          <button
            type="button"
            class="btn btn-primary btn-sm"
            disabled={!notifications}
            onClick={() => notifications?.enable()}
            data-testid="notify-enable"
          >
            Turn on
          </button>
          <button
            type="button"
            class="btn btn-ghost btn-sm"
            disabled={!notifications}
            onClick={() => notifications?.dismiss()}
            data-testid="notify-dismiss"
          >
            Not now
          </button>
        </div>
      </div>
    </section>
  );
}
