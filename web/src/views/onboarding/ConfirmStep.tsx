import type { OnboardingModel } from '../../models/onboarding.ts';
import { FieldError, submitTo } from '../common/Field.tsx';
import { Steps } from './Steps.tsx';

export function ConfirmStep({ m }: { m: OnboardingModel }) {
  const error = m.confirmError.value;
  const wrong = m.confirmField.value;
  return (
    <form class="step" noValidate onSubmit={submitTo(() => m.confirm())} data-testid="confirm-form">
      <Steps n={3} />
      <h1>Check your words</h1>
      <p class="muted">Enter these words from your list, to be sure it is right.</p>
      <div class="confirm-grid">
        {m.challenge.value.map((pos, i) => (
          <div class="field" key={pos}>
            <label for={`confirm-${pos}`}>Word #{pos + 1}</label>
            <input
              id={`confirm-${pos}`}
              type="text"
              autocomplete="off"
              autocapitalize="off"
              spellcheck={false}
              value={m.answers.value[i] ?? ''}
              aria-invalid={error && wrong === i ? 'true' : undefined}
              aria-describedby={error && wrong === i ? 'confirm-error' : undefined}
              data-testid="confirm-word"
              data-index={pos}
              onInput={(e) => m.setAnswer(i, (e.currentTarget as HTMLInputElement).value)}
            />
          </div>
        ))}
      </div>
      <FieldError message={error} id="confirm-error" testId="confirm-error" />
      <button type="submit" class="btn btn-primary btn-block btn-lg" data-testid="confirm-phrase">
        Confirm and start
      </button>
      <button type="button" class="btn btn-ghost btn-block" onClick={() => m.back()}>
        Show the words again
      </button>
    </form>
  );
}
