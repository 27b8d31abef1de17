import { groupedId } from '../../lib/format.ts';
import { CopyButton } from './CopyButton.tsx';
import { QrCode } from './QrCode.tsx';
import { ShareInviteButton } from './ShareInviteButton.tsx';

/** My Session ID: text (selectable, grouped for reading), a copy button and a QR code to scan. */
export function SessionIdCard({ id, showQr = true }: { id: string; showQr?: boolean }) {
  return (
    <div class="id-card">
      {showQr && <QrCode value={id} label="QR code of your Session ID" />}
      {/* biome-ignore lint/a11y/useAriaPropsSupportedByRole: read as one labelled value, not as twelve groups of digits */}
      <p class="session-id" data-testid="my-session-id" data-value={id} aria-label="Your Session ID">
        {groupedId(id).map((g, i) => (
          <span key={i}>{g}</span>
        ))}
      </p>
      <div class="row-actions">
        <CopyButton text={id} label="Copy Session ID" testId="copy-session-id" />
        <ShareInviteButton id={id} />
      </div>
    </div>
  );
}
