import { useSignal } from '@preact/signals';
import { Icon } from './Icon.tsx';

/** Copies text to the clipboard and says so; falls back to selecting it when the API is denied. */
export function CopyButton({
  text,
  label,
  testId,
  class: cls = 'btn btn-secondary',
}: {
  text: string;
  label: string;
  testId?: string;
  class?: string;
}) {
  const state = useSignal<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      state.value = 'copied';
    } catch {
      state.value = 'failed';
    }
    setTimeout(() => (state.value = 'idle'), 2000);
  };
  return (
    <button type="button" class={cls} onClick={copy} data-testid={testId} aria-live="polite">
      <Icon name={state.value === 'copied' ? 'check' : 'copy'} size={18} />
      <span>{state.value === 'copied' ? 'Copied' : state.value === 'failed' ? 'Select and copy it' : label}</span>
    </button>
  );
}
