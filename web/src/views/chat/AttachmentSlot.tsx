// The place of an attachment in a bubble. The shell knows only its name; the viewer (images, voice
// player, file card) and the download code arrive on demand, once the first attachment is shown.
import { useEffect, useState } from 'preact/hooks';
import type { FunctionComponent } from 'preact';
import type { StoredMessage } from '../../api.ts';

type ViewModule = typeof import('./attach/AttachmentView.tsx');
let loading: Promise<ViewModule> | undefined;

export function AttachmentSlot({ m }: { m: StoredMessage }) {
  const [View, setView] = useState<FunctionComponent<{ m: StoredMessage }> | null>(null);
  useEffect(() => {
    let live = true;
    (loading ??= import('./attach/AttachmentView.tsx')).then(
      (mod) => live && setView(() => mod.AttachmentView),
      () => (loading = undefined),
    );
    return () => void (live = false);
  }, []);
  if (View) return <View m={m} />;
  return (
    <div class="att att-file" data-testid="attachment" data-state="loading">
      <span class="att-name">{m.attachment?.name}</span>
    </div>
  );
}
