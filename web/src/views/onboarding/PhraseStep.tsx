import type { OnboardingModel } from '../../models/onboarding.ts';
import { Icon } from '../common/Icon.tsx';
import { Steps } from './Steps.tsx';

export function PhraseStep({ m }: { m: OnboardingModel }) {
  return (
    <div class="step">
      <Steps n={2} />
      <h1>Write down your recovery phrase</h1>
      <p class="muted">These 12 words are the only way to get your account back on a new device. Keep them offline and never share them.</p>
      <ol class="phrase-grid" data-testid="recovery-phrase" data-phrase={m.phrase.value}>
        {m.words.value.map((w, i) => (
          <li key={i} data-testid="phrase-word">
            <span class="n">{i + 1}</span> {w}
          </li>
        ))}
      </ol>
      <p class="warn">
        <Icon name="alert" size={16} /> Anyone with these words can read your messages.
      </p>
      <button type="button" class="btn btn-primary btn-block btn-lg" onClick={() => m.startConfirm()} data-testid="phrase-written">
        I have written them down
      </button>
      <button type="button" class="btn btn-ghost btn-block" onClick={() => m.back()}>
        Back
      </button>
    </div>
  );
}
