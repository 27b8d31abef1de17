// First run: create an identity (Session ID shown, copyable, as text and QR), see the 12-word
// recovery phrase and prove it was written down by re-entering three of its words; or restore an
// identity from its phrase (which is also how another device is linked).
import { computed, signal, type Signal } from '@preact/signals';
import type { Client, Engine } from '../api.ts';
import { attempt } from './_attempt.ts';
import { Disposable } from './_disposable.ts';
import type { Prefs } from './prefs.ts';

export type OnboardingStep = 'welcome' | 'identity' | 'phrase' | 'confirm' | 'restore';

export const CONFIRM_WORDS = 3;

/** `count` distinct word positions (0-11), ascending. */
export function pickChallenge(count: number, random: () => number = Math.random): number[] {
  const all = Array.from({ length: 12 }, (_, i) => i);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count).sort((a, b) => a - b);
}

export interface OnboardingDeps {
  readonly client: Client;
  readonly engine: Pick<Engine, 'describePhraseProblem'>;
  readonly prefs: Prefs;
  /** Onboarding is over: the app opens the chat list and connects. */
  readonly done: () => void;
  readonly random?: () => number;
}

export class OnboardingModel extends Disposable {
  readonly step = signal<OnboardingStep>('welcome');
  readonly sessionId = signal('');
  readonly phrase = signal('');
  readonly words = computed(() => (this.phrase.value ? this.phrase.value.split(' ') : []));
  readonly name: Signal<string>;
  readonly challenge = signal<number[]>([]);
  readonly answers = signal<string[]>([]);
  readonly confirmError = signal<string | null>(null);
  /** The challenge field confirmError is about: only that one is marked wrong. */
  readonly confirmField = signal<number | null>(null);
  readonly restoreText = signal('');
  readonly restoreError = signal<string | null>(null);
  readonly busy = signal(false);
  readonly error = signal<string | null>(null);

  constructor(private readonly _d: OnboardingDeps) {
    super();
    this.name = signal(_d.prefs.displayName.value);
    // An identity was created but its phrase never confirmed (the tab was closed): resume there.
    if (_d.client.hasIdentity) {
      this.sessionId.value = _d.client.sessionId!;
      this.phrase.value = _d.client.recoveryPhrase();
      this.step.value = 'identity';
    }
  }

  async create(): Promise<void> {
    if (this.busy.value) return;
    this.error.value = null;
    await attempt(this.busy, this.error, async () => {
      if (!this._d.client.hasIdentity) {
        const { sessionId, phrase } = await this._d.client.createIdentity();
        this.sessionId.value = sessionId;
        this.phrase.value = phrase;
      }
      this.step.value = 'identity';
    });
  }

  setName(v: string): void {
    this.name.value = v;
  }

  showPhrase(): void {
    this._d.prefs.setDisplayName(this.name.value);
    this.step.value = 'phrase';
  }

  startConfirm(): void {
    this.challenge.value = pickChallenge(CONFIRM_WORDS, this._d.random);
    this.answers.value = this.challenge.value.map(() => '');
    this.confirmError.value = null;
    this.step.value = 'confirm';
  }

  setAnswer(i: number, v: string): void {
    const next = this.answers.value.slice();
    next[i] = v;
    this.answers.value = next;
    this.confirmError.value = null;
    this.confirmField.value = null;
  }

  confirm(): boolean {
    const words = this.words.value;
    for (const [i, pos] of this.challenge.value.entries()) {
      const given = (this.answers.value[i] ?? '').trim().toLowerCase();
      if (given === '') {
        this.confirmError.value = `Enter word #${pos + 1}.`;
        this.confirmField.value = i;
        return false;
      }
      if (given !== words[pos]) {
        this.confirmError.value = `Word #${pos + 1} does not match. Check the list you wrote down.`;
        this.confirmField.value = i;
        return false;
      }
    }
    this.finish();
    return true;
  }

  back(): void {
    const s = this.step.value;
    this.error.value = null;
    if (s === 'confirm') this.step.value = 'phrase';
    else if (s === 'phrase') this.step.value = 'identity';
    else if (s === 'restore') this.step.value = 'welcome';
  }

  toRestore(): void {
    this.error.value = null;
    this.restoreError.value = null;
    this.step.value = 'restore';
  }

  setRestoreText(v: string): void {
    this.restoreText.value = v;
    this.restoreError.value = null;
  }

  async restore(): Promise<boolean> {
    const problem = this._d.engine.describePhraseProblem(this.restoreText.value);
    if (problem) {
      this.restoreError.value = problem;
      return false;
    }
    return attempt(this.busy, this.restoreError, async () => {
      const { sessionId } = await this._d.client.restoreIdentity(this.restoreText.value);
      this.sessionId.value = sessionId;
      if (this.name.value.trim()) this._d.prefs.setDisplayName(this.name.value);
      this.finish();
    });
  }

  private finish(): void {
    this._d.prefs.setOnboarded(this.sessionId.value);
    this._d.done();
  }
}
