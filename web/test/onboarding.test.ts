// @vitest-environment happy-dom
import { h, render } from 'preact';
import { describe, expect, it } from 'vitest';
import { ConfirmStep } from '../src/views/onboarding/ConfirmStep.tsx';
import { OnboardingModel, pickChallenge } from '../src/models/onboarding.ts';
import { engine, offlineClient, prefs } from './helpers.ts';

describe('OnboardingModel', () => {
  it('creates an identity, shows its ID and phrase, and checks three words before finishing', async () => {
    const client = await offlineClient();
    const p = prefs();
    let done = 0;
    const m = new OnboardingModel({ client, engine: await engine(), prefs: p, done: () => done++, random: () => 0.5 });
    expect(m.step.value).toBe('welcome');
    await m.create();
    expect(m.step.value).toBe('identity');
    expect(m.sessionId.value).toBe(client.sessionId);
    expect(m.words.value).toHaveLength(12);
    m.setName('  Ada ');
    m.showPhrase();
    expect(p.displayName.value).toBe('Ada');
    expect(m.step.value).toBe('phrase');
    m.startConfirm();
    const positions = m.challenge.value;
    expect(positions).toHaveLength(3);
    expect(new Set(positions).size).toBe(3);

    // An empty word, then a wrong word: a reason naming the word, and no finish.
    expect(m.confirm()).toBe(false);
    expect(m.confirmError.value).toBe(`Enter word #${positions[0]! + 1}.`);
    for (const [i, pos] of positions.entries()) m.setAnswer(i, m.words.value[pos]!);
    m.setAnswer(1, 'notaword');
    expect(m.confirm()).toBe(false);
    expect(m.confirmError.value).toBe(`Word #${positions[1]! + 1} does not match. Check the list you wrote down.`);
    expect(done).toBe(0);
    // Only the wrong word is marked, in the model and on screen.
    expect(m.confirmField.value).toBe(1);
    const root = document.createElement('div');
    render(h(ConfirmStep, { m }), root);
    const invalid = [...root.querySelectorAll('[data-testid="confirm-word"]')].map((el) => el.getAttribute('aria-invalid'));
    expect(invalid).toEqual([null, 'true', null]);
    render(null, root);

    m.setAnswer(1, ` ${m.words.value[positions[1]!]!.toUpperCase()} `); // case and spaces forgiven
    expect(m.confirm()).toBe(true);
    expect(done).toBe(1);
    expect(p.onboardedId.value).toBe(client.sessionId);
    m.dispose();
  });

  it('resumes at the ID step when an identity exists but its phrase was never confirmed', async () => {
    const client = await offlineClient();
    const { sessionId, phrase } = await client.createIdentity();
    const m = new OnboardingModel({ client, engine: await engine(), prefs: prefs(), done: () => undefined });
    expect(m.step.value).toBe('identity');
    expect(m.sessionId.value).toBe(sessionId);
    expect(m.phrase.value).toBe(phrase);
  });

  it('restores from a phrase, rejecting a bad one with a human reason', async () => {
    const original = await offlineClient();
    const { sessionId, phrase } = await original.createIdentity();
    const client = await offlineClient();
    let done = 0;
    const m = new OnboardingModel({ client, engine: await engine(), prefs: prefs(), done: () => done++ });
    m.toRestore();
    m.setRestoreText('');
    expect(await m.restore()).toBe(false);
    expect(m.restoreError.value).toBe('Enter your 12-word recovery phrase.');
    const words = phrase.split(' ');
    m.setRestoreText(words.slice(0, 11).join(' '));
    expect(await m.restore()).toBe(false);
    expect(m.restoreError.value).toBe('A recovery phrase has 12 words; this one has 11.');
    m.setRestoreText([...words.slice(0, 11), 'zzzz'].join(' '));
    expect(await m.restore()).toBe(false);
    expect(m.restoreError.value).toMatch(/Word 12 \("zzzz"\) is not in the recovery word list/);
    m.setRestoreText(`  ${words.join('   ').toUpperCase()} `);
    expect(await m.restore()).toBe(true);
    expect(client.sessionId).toBe(sessionId);
    expect(done).toBe(1);
  });

  it('picks distinct word positions in order', () => {
    let x = 0.1;
    const rnd = () => (x = (x * 7.3) % 1);
    for (let i = 0; i < 50; i++) {
      const c = pickChallenge(3, rnd);
      expect(c).toEqual([...c].sort((a, b) => a - b));
      expect(new Set(c).size).toBe(3);
      for (const n of c) expect(n).toBeGreaterThanOrEqual(0), expect(n).toBeLessThan(12);
    }
  });
});
