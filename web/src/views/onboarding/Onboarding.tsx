// First run, in under 30 seconds: create (ID → phrase → confirm three words) or restore.
import { OnboardingModel } from '../../models/onboarding.ts';
import { useModel } from '../../models/useModel.ts';
import { useApp } from '../context.ts';
import { FieldError } from '../common/Field.tsx';
import { Icon } from '../common/Icon.tsx';
import { ConfirmStep } from './ConfirmStep.tsx';
import { IdentityStep } from './IdentityStep.tsx';
import { PhraseStep } from './PhraseStep.tsx';
import { RestoreStep } from './RestoreStep.tsx';

export function Onboarding() {
  const { app } = useApp();
  const m = useModel(
    () => new OnboardingModel({ client: app.client, engine: app.engine, prefs: app.prefs, done: () => app.startSession() }),
  );
  const step = m.step.value;
  return (
    <main class="onboarding" id="main" data-testid="onboarding" data-step={step}>
      <div class="onboarding-card">
        {step === 'welcome' && <Welcome m={m} />}
        {step === 'identity' && <IdentityStep m={m} />}
        {step === 'phrase' && <PhraseStep m={m} />}
        {step === 'confirm' && <ConfirmStep m={m} />}
        {step === 'restore' && <RestoreStep m={m} />}
      </div>
    </main>
  );
}

function Welcome({ m }: { m: OnboardingModel }) {
  return (
    <div class="welcome">
      <img class="logo" src="/favicon.svg" alt="" width={88} height={88} />
      <h1>Session</h1>
      <p class="lead">Private messages. No phone number, no e-mail, no account to hack: only a Session ID.</p>
      <ul class="promises">
        <li>
          <Icon name="lock" size={18} /> End-to-end encrypted: the server cannot read a word
        </li>
        <li>
          <Icon name="key" size={18} /> Your identity is 12 words only you hold
        </li>
      </ul>
      <FieldError message={m.error.value} />
      <button
        type="button"
        class="btn btn-primary btn-block btn-lg"
        onClick={() => m.create()}
        disabled={m.busy.value}
        data-testid="create-identity"
      >
        Create my Session ID
      </button>
      <button type="button" class="btn btn-ghost btn-block" onClick={() => m.toRestore()} data-testid="restore-identity">
        I have a recovery phrase
      </button>
    </div>
  );
}
