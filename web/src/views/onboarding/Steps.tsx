// The three dots of the create path (identity, phrase, confirm). Its own module: the steps import
// it and Onboarding imports the steps, so in Onboarding.tsx it made an import cycle.
export function Steps({ n }: { n: 1 | 2 | 3 }) {
  return (
    <p class="steps-dots">
      <span class="visually-hidden">Step {n} of 3</span>
      {[1, 2, 3].map((i) => (
        <span key={i} class={i <= n ? 'dot on' : 'dot'} aria-hidden="true" />
      ))}
    </p>
  );
}
