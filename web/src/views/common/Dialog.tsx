// A modal confirm built on <dialog>: focus is trapped and Escape closes it, natively.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** Shows the <dialog> as a modal while `open`, closes it otherwise: the ref to put on it. */
export function useModal(open: boolean) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal?.();
    if (!open && d.open) d.close();
  }, [open]);
  return ref;
}

export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  testId?: string;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useModal(props.open);
  const titleId = `${props.testId ?? 'dialog'}-title`;
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      data-testid={props.testId}
      onCancel={(e) => (e.preventDefault(), props.onCancel())}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div class="dialog-body">{props.children}</div>
      <div class="dialog-actions">
        <button type="button" class="btn btn-secondary" onClick={props.onCancel} data-testid="dialog-cancel">
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? 'btn btn-danger' : 'btn btn-primary'}
          onClick={props.onConfirm}
          data-testid="dialog-confirm"
        >
          {props.confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
