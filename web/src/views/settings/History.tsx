// Settings → History: an encrypted backup file out (a download) and in (a file input), and history
// from another of my devices with its progress (on this screen of both devices). History is not
// in the phrase: it comes back only from a sibling or a backup file (docs/web.md).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Client, HistoryProgressEvent } from '../../api.ts';
import { FieldError } from '../common/Field.tsx';
import { Icon } from '../common/Icon.tsx';

/** The SDK's backup messages (protocol/backup.ts BACKUP_ERRORS), said as a sentence. */
function describe(err: unknown): string {
  const e = err as { code?: unknown; message?: unknown } | null;
  const text = typeof e?.message === 'string' ? e.message : String(err);
  const base = typeof e?.code === 'string' && e.code.startsWith('BACKUP_') ? text.replace(/ \(.*\)$/, '') : text;
  return `${base.charAt(0).toUpperCase()}${base.slice(1)}.`;
}

function fileName(now: Date): string {
  return `session-backup-${now.toISOString().slice(0, 10)}.smbk`;
}

export function HistorySection({ client }: { client: Client }) {
  const [busy, setBusy] = useState<'export' | 'import' | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState<HistoryProgressEvent | undefined>(client.historyProgress);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => client.on('historyProgress', (e) => setProgress(e)), [client]);

  const exportFile = async () => {
    setBusy('export');
    setError(null);
    setNote(null);
    try {
      const bytes = await client.exportBackup();
      const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName(new Date());
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setNote('Backup saved. Keep it with care: with your recovery phrase it opens your messages.');
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(null);
    }
  };

  const importFile = async (file: File | undefined) => {
    if (!file) return;
    setBusy('import');
    setError(null);
    setNote(null);
    try {
      const r = await client.importBackup(new Uint8Array(await file.arrayBuffer()));
      setNote(
        r.added === 0
          ? 'Nothing new: this device already has everything in that backup.'
          : `Restored ${r.added} message${r.added === 1 ? '' : 's'}.`,
      );
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(null);
      if (input.current) input.current.value = '';
    }
  };

  const pct = progress && progress.total > 0 ? Math.round((100 * progress.received) / progress.total) : 0;
  return (
    <section class="section" aria-labelledby="history-title" data-testid="history-section">
      <h2 class="section-title" id="history-title">
        Message history
      </h2>
      <p class="muted">
        Your recovery phrase brings back your account, not your messages. To have them on a new device, get them from another device of
        yours that is online, or from a backup file.
      </p>
      <div class="inline-row">
        <button
          type="button"
          class="btn btn-secondary"
          onClick={() => client.requestHistory().catch((e) => setError(describe(e)))}
          data-testid="history-request"
        >
          <Icon name="download" size={18} /> Get history from my other device
        </button>
      </div>
      {progress && (
        <div class="history-progress" data-testid="history-progress">
          <label for="history-bar">
            {progress.role === 'sending'
              ? 'Sending history to your new device'
              : progress.done
                ? 'History received'
                : progress.total === 0
                  ? 'Waiting for another device of yours to be online…'
                  : 'Receiving history'}{' '}
            {progress.total > 0 && `(${progress.received} of ${progress.total})`}
          </label>
          <progress
            id="history-bar"
            max={Math.max(1, progress.total)}
            value={progress.done ? Math.max(1, progress.total) : progress.received}
            data-testid="history-bar"
            aria-valuetext={`${pct}%`}
          />
        </div>
      )}
      <div class="inline-row history-actions">
        <button type="button" class="btn btn-secondary" onClick={exportFile} disabled={busy !== null} data-testid="backup-export">
          {busy === 'export' ? 'Preparing…' : 'Export backup'}
        </button>
        <label class="btn btn-secondary" for="backup-file">
          {busy === 'import' ? 'Importing…' : 'Import backup'}
        </label>
        <input
          id="backup-file"
          ref={input}
          type="file"
          class="visually-hidden"
          accept=".smbk,application/octet-stream"
          disabled={busy !== null}
          onChange={(e) => importFile((e.currentTarget as HTMLInputElement).files?.[0])}
          data-testid="backup-import"
        />
      </div>
      <p class="field-hint">
        The file is encrypted with a key from your recovery phrase: only this account can open it. It holds your messages, not your phrase
        or contacts.
      </p>
      {note && (
        <p class="muted" role="status" data-testid="backup-note">
          {note}
        </p>
      )}
      <FieldError message={error} testId="backup-error" />
    </section>
  );
}
