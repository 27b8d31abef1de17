import { plural } from '../lib/format.ts';
import { useSession } from './context.ts';
import { Icon } from './common/Icon.tsx';

/** Offline or reconnecting, with how many messages wait to go out by themselves. */
export function ConnectionBanner() {
  const { connection } = useSession();
  const fatal = connection.fatal.value;
  if (fatal) {
    return (
      <div class="banner banner-error" role="alert" data-testid="connection-banner" data-state="refused">
        <Icon name="alert" size={18} />
        <span>The server refused this device: {fatal}</span>
      </div>
    );
  }
  const b = connection.banner.value;
  if (!b) return null;
  const queued = b.queued > 0 ? ` ${plural(b.queued, 'message')} will be sent when you are back.` : '';
  return (
    <div class={`banner banner-${b.kind}`} role="status" data-testid="connection-banner" data-state={b.kind}>
      <Icon name={b.kind === 'offline' ? 'wifiOff' : 'retry'} size={18} class={b.kind === 'connecting' ? 'spin' : undefined} />
      <span>
        {b.kind === 'offline' ? 'You are offline.' : 'Connecting…'}
        {queued && (
          <span data-testid="queued-count" data-count={b.queued}>
            {queued}
          </span>
        )}
      </span>
    </div>
  );
}
