import type { OnboardingModel } from '../../models/onboarding.ts';
import { NameInput, submitTo } from '../common/Field.tsx';
import { SessionIdCard } from '../common/SessionIdCard.tsx';
import { Steps } from './Steps.tsx';

export function IdentityStep({ m }: { m: OnboardingModel }) {
  return (
    <form class="step" onSubmit={submitTo(() => m.showPhrase())}>
      <Steps n={1} />
      <h1>This is your Session ID</h1>
      <p class="muted">Share it with people so they can add you. It is public, like a username, and it cannot be changed.</p>
      <SessionIdCard id={m.sessionId.value} />
      <div class="field">
        <label for="onb-name">
          Your name <span class="muted">(optional)</span>
        </label>
        <NameInput
          id="onb-name"
          value={m.name.value}
          autocomplete="nickname"
          placeholder="What contacts will see"
          onInput={(v) => m.setName(v)}
          testId="onboarding-name"
        />
      </div>
      <button type="submit" class="btn btn-primary btn-block btn-lg" data-testid="identity-continue">
        Continue
      </button>
    </form>
  );
}
