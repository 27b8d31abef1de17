// Loaded on demand: an attachment in a bubble. Photos show their thumbnail at once and the full
// image when fetched; voice notes get a player with a scrubber over their waveform; other files a
// card with a download button. Uploads in progress show a bar and a cancel button.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { StoredAttachment, StoredMessage } from '../../../api.ts';
import { describeError } from '../../../lib/errors.ts';
import { uploads } from '../../../models/attachments.ts';
import { useSession } from '../../context.ts';
import { Icon } from '../../common/Icon.tsx';

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The decrypted file as an object URL (revoked on unmount), fetched when `when` turns true. */
function useFileUrl(a: StoredAttachment, when: boolean): { url: string | null; error: string | null; progress: number } {
  const s = useSession();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [progress, setProgress] = useState(0);
  useEffect(() => {
    if (!when) return;
    let made: string | null = null;
    const ctl = new AbortController();
    s.client
      .downloadAttachment(a, { signal: ctl.signal, onProgress: (got, total) => setProgress(got / total) })
      .then((bytes) => {
        if (ctl.signal.aborted) return;
        made = URL.createObjectURL(new Blob([bytes as BlobPart], { type: a.mime }));
        setUrl(made);
      })
      .catch((err: unknown) => !ctl.signal.aborted && setError(describeError(err)));
    return () => {
      ctl.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [a.digest, when]);
  return { url, error, progress };
}

function UploadBar({ m }: { m: StoredMessage }) {
  const s = useSession();
  const p = uploads.value.get(m.id);
  if (!p || m.attachment?.id) return null;
  const pct = p.total > 0 ? Math.round((100 * p.sent) / p.total) : 0;
  return (
    <div class="att-upload" data-testid="attachment-upload" data-state={p.state}>
      <progress
        max={100}
        value={pct}
        aria-label={p.state === 'waiting' ? 'Waiting for the connection' : `Uploading, ${pct}%`}
        data-testid="attachment-progress"
      />
      <button type="button" class="btn btn-ghost btn-sm" onClick={() => s.client.cancelAttachment(m.id)} data-testid="attachment-cancel">
        Cancel
      </button>
    </div>
  );
}

function Photo({ a }: { a: StoredAttachment }) {
  const { url, error } = useFileUrl(a, true);
  const thumb = a.thumbnail ? `data:image/jpeg;base64,${a.thumbnail}` : undefined;
  const ratio = a.width && a.height ? `${a.width} / ${a.height}` : undefined;
  return (
    <figure class="att att-photo" data-testid="attachment" data-kind="photo" data-state={url ? 'ready' : error ? 'error' : 'loading'}>
      {url ? (
        <img src={url} alt={a.name} width={a.width} height={a.height} data-testid="attachment-image" />
      ) : thumb ? (
        <img src={thumb} alt="" class="att-thumb" width={a.width} height={a.height} data-testid="attachment-thumbnail" data-ratio={ratio} />
      ) : (
        <span class="att-name">{a.name}</span>
      )}
      {error && <figcaption class="field-error">{error}</figcaption>}
    </figure>
  );
}

function Waveform({ points, at }: { points: readonly number[]; at: number }) {
  const n = Math.max(1, points.length);
  return (
    <svg class="att-wave" viewBox={`0 0 ${n * 3} 32`} preserveAspectRatio="none" aria-hidden="true">
      {points.map((v, i) => {
        const h = Math.max(2, (v / 255) * 30);
        return <rect key={i} x={i * 3} y={(32 - h) / 2} width={2} height={h} class={i / n < at ? 'played' : undefined} />;
      })}
    </svg>
  );
}

function Voice({ a }: { a: StoredAttachment }) {
  const { url, error } = useFileUrl(a, true);
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [pos, setPos] = useState(0);
  const duration = a.duration ?? 0;
  const toggle = () => {
    const el = audio.current;
    if (!el) return;
    if (el.paused) void el.play();
    else el.pause();
  };
  return (
    <div class="att att-voice" data-testid="attachment" data-kind="voice" data-state={url ? 'ready' : error ? 'error' : 'loading'}>
      <button
        type="button"
        class="icon-btn att-play"
        disabled={!url}
        onClick={toggle}
        aria-label={playing ? 'Pause voice note' : 'Play voice note'}
        data-testid="voice-play"
        data-playing={playing ? 'true' : 'false'}
      >
        <Icon name={playing ? 'pause' : 'play'} size={20} />
      </button>
      <div class="att-voice-track">
        {a.waveform && <Waveform points={a.waveform} at={duration > 0 ? pos / duration : 0} />}
        <input
          type="range"
          class="att-scrubber"
          min={0}
          max={Math.max(1, duration)}
          step={100}
          value={pos}
          aria-label="Position in the voice note"
          aria-valuetext={formatDuration(pos)}
          disabled={!url}
          data-testid="voice-scrubber"
          onInput={(e) => {
            const v = Number((e.currentTarget as HTMLInputElement).value);
            setPos(v);
            if (audio.current) audio.current.currentTime = v / 1000;
          }}
        />
      </div>
      <span class="att-time" data-testid="voice-duration">
        {formatDuration(playing || pos > 0 ? pos : duration)}
      </span>
      {url && (
        // biome-ignore lint/a11y/useMediaCaption: a voice note has no captions to offer; its duration and waveform are shown beside it
        <audio
          ref={audio}
          src={url}
          preload="auto"
          onPlay={() => setPlaying(true)}
          onPause={() => setPlaying(false)}
          onEnded={() => {
            setPlaying(false);
            setPos(0);
          }}
          onTimeUpdate={(e) => setPos(Math.round((e.currentTarget as HTMLAudioElement).currentTime * 1000))}
        />
      )}
      {error && <span class="field-error">{error}</span>}
    </div>
  );
}

function FileCard({ a }: { a: StoredAttachment }) {
  const [want, setWant] = useState(false);
  const { url, error, progress } = useFileUrl(a, want);
  const link = useRef<HTMLAnchorElement>(null);
  useEffect(() => {
    if (url) link.current?.click();
  }, [url]);
  return (
    <div
      class="att att-file"
      data-testid="attachment"
      data-kind="file"
      data-state={url ? 'ready' : error ? 'error' : want ? 'loading' : 'idle'}
    >
      <Icon name="file" size={28} />
      <span class="att-file-text">
        <span class="att-name" data-testid="attachment-name">
          {a.name}
        </span>
        <span class="att-size">
          {want && !url && !error ? `${Math.round(progress * 100)}% of ${formatBytes(a.size)}` : formatBytes(a.size)}
        </span>
      </span>
      {url ? (
        <a ref={link} class="icon-btn" href={url} download={a.name} aria-label={`Save ${a.name}`} data-testid="attachment-save">
          <Icon name="download" size={20} />
        </a>
      ) : (
        <button
          type="button"
          class="icon-btn"
          onClick={() => setWant(true)}
          disabled={want && !error}
          aria-label={`Download ${a.name}`}
          data-testid="attachment-download"
        >
          <Icon name="download" size={20} />
        </button>
      )}
      {error && <span class="field-error">{error}</span>}
    </div>
  );
}

export function AttachmentView({ m }: { m: StoredMessage }) {
  const a = m.attachment!;
  const kind = a.mime.startsWith('image/') && a.mime !== 'image/svg+xml' ? 'photo' : a.mime.startsWith('audio/') ? 'voice' : 'file';
  return (
    <div class="att-wrap">
      {kind === 'photo' ? <Photo a={a} /> : kind === 'voice' ? <Voice a={a} /> : <FileCard a={a} />}
      <UploadBar m={m} />
    </div>
  );
}
