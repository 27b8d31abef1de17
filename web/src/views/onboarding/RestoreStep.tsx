import type { OnboardingModel } from '../../models/onboarding.ts';
import { FieldError, NameInput, submitTo } from '../common/Field.tsx';

export function RestoreStep({ m }: { m: OnboardingModel }) {
  const error = m.restoreError.value;
  return (
    <form class="step" noValidate onSubmit={submitTo(() => m.restore())} data-testid="restore-form">
      <h1>Restore your account</h1>
      <p class="muted">
        Enter your 12-word recovery phrase. This also links this device to an account you use elsewhere: both will receive new messages.
        Earlier messages come from your other device or a backup file (Settings → Message history).
      </p>
      <div class="field">
        <label for="restore-phrase">Recovery phrase</label>
        <textarea
          id="restore-phrase"
          rows={4}
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={m.restoreText.value}
          placeholder="word1 word2 word3 …"
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'restore-error' : undefined}
          data-testid="restore-input"
          onInput={(e) => m.setRestoreText((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <FieldError message={error} id="restore-error" testId="restore-error" />
      </div>
      <div class="field">
        <label for="restore-name">
          Your name <span class="muted">(optional)</span>
        </label>
        <NameInput id="restore-name" value={m.name.value} onInput={(v) => m.setName(v)} />
      </div>
      <button type="submit" class="btn btn-primary btn-block btn-lg" disabled={m.busy.value} data-testid="restore-submit">
        Restore
      </button>
      <button type="button" class="btn btn-ghost btn-block" onClick={() => m.back()}>
        Back
      </button>
    </form>
  );
}
