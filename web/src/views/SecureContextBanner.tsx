import { INSECURE_COSTS, type SecureContextNotice } from '../models/secureContext.ts';
import { Icon } from './common/Icon.tsx';

/** Over plain http from another device: what does not work, and how to get it (README). */
export function SecureContextBanner({ notice }: { notice: SecureContextNotice }) {
  if (!notice.shown.value) return null;
  return (
    <div class="banner banner-offline" role="status" data-testid="insecure-banner">
      <Icon name="alert" size={18} />
      <span>Not a secure connection (plain http): no {INSECURE_COSTS.join(', ')}. Open it over https to get them.</span>
      <button
        type="button"
        class="btn btn-ghost btn-sm banner-close"
        aria-label="Dismiss"
        onClick={() => notice.dismiss()}
        data-testid="insecure-dismiss"
      >
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}
