import { AppContext, useApp, type AppContextValue } from './context.ts';
import { Onboarding } from './onboarding/Onboarding.tsx';
import { Shell } from './Shell.tsx';
import { Lock } from './Lock.tsx';
import { UpdateToast } from './UpdateToast.tsx';
import { Icon } from './common/Icon.tsx';
import { SecureContextBanner } from './SecureContextBanner.tsx';
import { SecureContextNotice } from '../models/secureContext.ts';

/** One per page: whether the page has a secure context does not change while it is open. */
const secureContextNotice = new SecureContextNotice();

export function App({ value }: { value: AppContextValue }) {
  return (
    <AppContext.Provider value={value}>
      <SecureContextBanner notice={secureContextNotice} />
      <Root />
      <UpdateToast />
    </AppContext.Provider>
  );
}

function Root() {
  const { app } = useApp();
  switch (app.phase.value) {
    case 'loading':
      // The chat list from storage while the SDK loads (an onboarded device), else the logo.
      if (app.preview.value) return <Shell />;
      return (
        <div class="splash" data-testid="splash" aria-busy="true">
          <img src="/favicon.svg" alt="" width={72} height={72} />
          <p class="visually-hidden">Loading Session…</p>
        </div>
      );
    case 'failed':
      return (
        <div class="splash" role="alert" data-testid="boot-error">
          <Icon name="alert" size={40} />
          <h1>Session could not start</h1>
          <p class="muted">{app.error.value}</p>
          <button class="btn btn-primary" type="button" onClick={() => location.reload()}>
            Try again
          </button>
        </div>
      );
    case 'locked':
      return <Lock />;
    case 'onboarding':
      return <Onboarding />;
    case 'main':
      return <Shell />;
  }
}
