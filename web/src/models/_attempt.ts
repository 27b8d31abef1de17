// One action of a screen behind its button: the button is busy while it runs, and a failure is a
// sentence for the person (describeError) in the screen's error signal, never a rejected promise
// that a view's click handler would drop.
import type { Signal } from '@preact/signals';
import { describeError } from '../lib/errors.ts';

/**
 * Runs `action` with `busy` set. True when it finished; false when it threw, or returned false
 * (a refusal it has already put in words).
 */
export async function attempt(busy: Signal<boolean>, error: Signal<string | null>, action: () => Promise<unknown>): Promise<boolean> {
  busy.value = true;
  try {
    return (await action()) !== false;
  } catch (err) {
    error.value = describeError(err);
    return false;
  } finally {
    busy.value = false;
  }
}
