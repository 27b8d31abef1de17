// Settings → App lock: set a passphrase (everything stored is sealed with it), or turn it off.
import { LockSettingsModel, MIN_PASSPHRASE } from '../models/lock.ts';
import { useModel } from '../models/useModel.ts';
import { useApp } from './context.ts';
import { FieldError, submitTo } from './common/Field.tsx';

export function LockSettings() {
  const { app } = useApp();
  const store = app.lockStore;
  if (!store) return null;
  return <LockSection m={useModel(() => new LockSettingsModel({ store }))} />;
}

function LockSection({ m }: { m: LockSettingsModel }) {
  const on = m.enabled.value;
  if (on === null) return null;
  return (
    <section class="section" aria-labelledby="lock-title" data-testid="lock-settings" data-lock={on ? 'on' : 'off'}>
      <h2 class="section-title" id="lock-title">
        App lock
      </h2>
      <p class="muted">
        {on
          ? 'On: your identity and messages on this device are encrypted with your passphrase. Session asks for it each time it opens.'
          : 'Encrypt your identity and messages on this device with a passphrase, asked for each time Session opens. If you forget it, the only way back is to wipe this device and restore from your recovery phrase.'}
      </p>
      <form class="inline-form" onSubmit={submitTo(() => (on ? m.turnOff() : m.turnOn()))}>
        <label for="lock-pass">{on ? 'Current passphrase' : `New passphrase (at least ${MIN_PASSPHRASE} characters)`}</label>
        <input
          id="lock-pass"
          type="password"
          autocomplete={on ? 'current-password' : 'new-password'}
          value={m.draft.value}
          onInput={(e) => m.setDraft((e.currentTarget as HTMLInputElement).value)}
          data-testid="lock-pass"
        />
        {!on && (
          <>
            <label for="lock-confirm">Repeat it</label>
            <input
              id="lock-confirm"
              type="password"
              autocomplete="new-password"
              value={m.confirm.value}
              onInput={(e) => m.setConfirm((e.currentTarget as HTMLInputElement).value)}
              data-testid="lock-confirm"
            />
          </>
        )}
        <button type="submit" class={on ? 'btn btn-secondary' : 'btn btn-primary'} disabled={m.busy.value} data-testid="lock-submit">
          {m.busy.value ? 'Working…' : on ? 'Turn the lock off' : 'Turn the lock on'}
        </button>
        <FieldError message={m.error.value} testId="lock-error" />
      </form>
    </section>
  );
}
