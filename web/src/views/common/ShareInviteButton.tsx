import { useSignal } from '@preact/signals';
import { shareInvite, type ShareOutcome } from '../../lib/invite.ts';
import { Icon } from './Icon.tsx';

const SAID: Record<ShareOutcome, string> = {
  shared: 'Shared',
  copied: 'Link copied',
  cancelled: 'Share invite link',
  failed: 'Could not share the link',
};

/** My invite link through the share sheet, or copied where there is none. */
export function ShareInviteButton({ id }: { id: string }) {
  const outcome = useSignal<ShareOutcome | null>(null);
  return (
    <button
      type="button"
      class="btn btn-secondary"
      data-testid="share-invite"
      data-outcome={outcome.value ?? ''}
      aria-live="polite"
      onClick={async () => (outcome.value = await shareInvite(id))}
    >
      <Icon name="link" size={18} />
      <span>{outcome.value ? SAID[outcome.value] : 'Share invite link'}</span>
    </button>
  );
}
