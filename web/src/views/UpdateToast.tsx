import { useApp } from './context.ts';

/** A new version is ready: it waits for the person's word (the SW is in 'prompt' mode). */
export function UpdateToast() {
  const { update } = useApp();
  if (!update.available.value) return null;
  return (
    <div class="toast" role="status" data-testid="update-toast">
      <span>A new version of Session is ready.</span>
      <button type="button" class="btn btn-primary btn-sm" onClick={() => update.apply()} data-testid="update-apply">
        Update
      </button>
      <button type="button" class="btn btn-ghost btn-sm" onClick={() => update.later()}>
        Later
      </button>
    </div>
  );
}
