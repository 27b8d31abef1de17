// The unlock screen: the only thing a locked app draws (no chat list, no names, no counts).
import { useEffect } from 'preact/hooks';
import { UnlockModel } from '../models/lock.ts';
import { useModel } from '../models/useModel.ts';
import { useApp } from './context.ts';
import { ConfirmDialog } from './common/Dialog.tsx';
import { FieldError, submitTo } from './common/Field.tsx';

export function Lock() {
  const { app } = useApp();
  const m = useModel(() => new UnlockModel({ store: app.lockStore!, unlocked: () => app.unlocked(), forget: () => app.wipe() }));
  useEffect(() => void m.load(), [m]);
  const wait = m.waitSeconds.value;
  const error = m.error.value;
  return (
    <main class="onboarding" id="main" data-testid="lock-screen">
      <div class="onboarding-card">
        <form class="step" noValidate onSubmit={submitTo(() => m.submit())}>
          <img class="logo" src="/favicon.svg" alt="" width={72} height={72} />
          <h1>Session is locked</h1>
          <div class="field">
            <label for="unlock-passphrase">Passphrase</label>
            <input
              id="unlock-passphrase"
              type="password"
              autocomplete="current-password"
              value={m.passphrase.value}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'unlock-error' : undefined}
              onInput={(e) => m.setPassphrase((e.currentTarget as HTMLInputElement).value)}
              data-testid="unlock-input"
            />
            <FieldError message={error} id="unlock-error" testId="unlock-error" />
          </div>
          <button type="submit" class="btn btn-primary" disabled={m.busy.value || wait > 0} data-testid="unlock-submit">
            {m.busy.value ? 'Unlocking…' : wait > 0 ? `Wait ${wait} s` : 'Unlock'}
          </button>
          <button type="button" class="link-btn" onClick={() => m.askForget()} data-testid="unlock-forgot">
            Forgot the passphrase?
          </button>
        </form>
      </div>
      <ConfirmDialog
        open={m.forgetConfirm.value}
        title="Forgot the passphrase?"
        confirmLabel="Wipe and restore"
        danger
        testId="forget-dialog"
        onConfirm={() => m.forget()}
        onCancel={() => m.askForget(false)}
      >
        <p>
          The passphrase cannot be recovered. Wipe this device, then restore your account with your 12-word recovery phrase: your contacts
          come back, but the message history stored on this device is lost.
        </p>
      </ConfirmDialog>
    </main>
  );
}
