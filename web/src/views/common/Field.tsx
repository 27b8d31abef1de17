// What every form draws the same way: the error under a field (read out at once, and what the
// field's aria-describedby names), the display-name input (one limit wherever I type my name), and
// a form handled in the page (never posted).
import type { ComponentChildren } from 'preact';
import { MAX_NAME } from '../../models/prefs.ts';

/** Nothing without a message. `id` is for the field's aria-describedby. */
export function FieldError({ message, id, testId }: { message: ComponentChildren; id?: string; testId?: string }) {
  if (!message) return null;
  return (
    <p class="field-error" id={id} role="alert" data-testid={testId}>
      {message}
    </p>
  );
}

/** The name I go by. With an error it is marked invalid and described by `<id>-error`. */
export function NameInput(props: {
  id: string;
  value: string;
  onInput: (value: string) => void;
  autocomplete?: string;
  placeholder?: string;
  invalid?: boolean;
  testId?: string;
}) {
  return (
    <input
      id={props.id}
      type="text"
      maxLength={MAX_NAME}
      value={props.value}
      autocomplete={props.autocomplete}
      placeholder={props.placeholder}
      aria-invalid={props.invalid ? 'true' : undefined}
      aria-describedby={props.invalid ? `${props.id}-error` : undefined}
      onInput={(e) => props.onInput((e.currentTarget as HTMLInputElement).value)}
      data-testid={props.testId}
    />
  );
}

/** A form's submit handler: the page stays, the model's action runs. */
export function submitTo(action: () => unknown) {
  return (e: Event) => {
    e.preventDefault();
    void action();
  };
}
