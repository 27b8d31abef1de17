// Settings → Notifications: permission (asked only from the button), notifications while Session is
// closed (Web Push), the iOS "add to Home Screen first" case, and how much a notification says.
import type { NotifyLevel } from '../lib/notifyLevel.ts';
import { useSession } from './context.ts';
import { FieldError } from './common/Field.tsx';
import { Icon } from './common/Icon.tsx';

const LEVELS: readonly { level: NotifyLevel; label: string; hint: string }[] = [
  { level: 'full', label: 'Name and message', hint: 'Who wrote and what they wrote, also on the lock screen.' },
  { level: 'name', label: 'Name only', hint: 'Who wrote, not what.' },
  { level: 'none', label: 'No name or message', hint: 'Only "New message".' },
];

export function NotificationSettings() {
  const s = useSession();
  const perm = s.notifications.permission.value;
  const push = s.push;
  const state = push.state.value;
  return (
    <section class="section" aria-labelledby="notify-settings-title" data-testid="notify-settings">
      <h2 class="section-title" id="notify-settings-title">
        Notifications
      </h2>
      {state === 'needs-install' ? (
        <p class="muted" data-testid="notify-ios-install">
          On iPhone and iPad, notifications work once Session is on your Home Screen: tap Share, then “Add to Home Screen”, open Session
          from there and turn notifications on (iOS 16.4 or later).
        </p>
      ) : perm === 'granted' ? (
        <>
          <p class="muted">On: you are notified of new messages and requests while Session is in the background.</p>
          {state === 'on' ? (
            <p class="muted" data-testid="push-on">
              Also while Session is closed: the relay wakes this device with your messages still end-to-end encrypted; they are opened here.{' '}
              <button
                type="button"
                class="btn btn-ghost btn-sm"
                disabled={push.busy.value}
                onClick={() => void push.unsubscribe()}
                data-testid="push-off"
              >
                Turn off
              </button>
            </p>
          ) : state === 'unavailable' ? (
            <p class="muted">This relay does not send push notifications, so you are notified only while Session is open.</p>
          ) : state === 'off' ? (
            <button
              type="button"
              class="btn btn-secondary"
              disabled={push.busy.value}
              onClick={() => void push.subscribe()}
              data-testid="push-on-button"
            >
              <Icon name="bell" size={18} /> Also while Session is closed
            </button>
          ) : null}
        </>
      ) : perm === 'denied' ? (
        <p class="muted">Blocked in your browser settings for this site.</p>
      ) : perm === 'unsupported' ? (
        <p class="muted">This browser cannot show notifications.</p>
      ) : (
        <button type="button" class="btn btn-secondary" onClick={() => s.notifications.enable()} data-testid="settings-notify">
          <Icon name="bell" size={18} /> Turn on notifications
        </button>
      )}
      <FieldError message={push.error.value} />
      <fieldset class="radio-group" data-testid="notify-level">
        <legend>What notifications show</legend>
        {LEVELS.map((l) => (
          <label key={l.level} class="radio-row">
            <input
              type="radio"
              name="notify-level"
              value={l.level}
              checked={push.level.value === l.level}
              onChange={() => void push.setLevel(l.level)}
              data-testid={`notify-level-${l.level}`}
            />
            <span>
              {l.label}
              <span class="field-hint"> — {l.hint}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </section>
  );
}
