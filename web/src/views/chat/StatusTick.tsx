import type { MessageStatus } from '../../api.ts';
import { Icon, type IconName } from '../common/Icon.tsx';

const LOOK: Record<MessageStatus, { icon: IconName; label: string }> = {
  queued: { icon: 'clock', label: 'Queued: waiting for a connection' },
  sent: { icon: 'check', label: 'Sent' },
  delivered: { icon: 'checks', label: 'Delivered' },
  read: { icon: 'readChecks', label: 'Read' },
  failed: { icon: 'alert', label: 'Not sent' },
};

/**
 * The status of a message I sent. Read receipts are reciprocal: with mine turned off, a "read"
 * shows as "delivered".
 */
export function StatusTick({ status, receiptsOn, compact = false }: { status: MessageStatus; receiptsOn: boolean; compact?: boolean }) {
  const shown: MessageStatus = status === 'read' && !receiptsOn ? 'delivered' : status;
  const look = LOOK[shown];
  return (
    <span
      class={`tick tick-${shown}${compact ? ' tick-compact' : ''}`}
      data-testid="message-status"
      data-status={shown}
      data-icon={look.icon}
      title={look.label}
      role="img"
      aria-label={look.label}
    >
      <Icon name={look.icon} size={compact ? 14 : 15} />
    </span>
  );
}
