// Add a contact: paste their Session ID (checked as it is finished, with the reason when it is not
// one), the name they will see, an optional note. Below: my own ID to share the other way round.
import { useEffect, useRef } from 'preact/hooks';
import { AddContactModel, MAX_NOTE } from '../models/addContact.ts';
import { canScan, ScannerModel } from '../models/scanner.ts';
import { useModel } from '../models/useModel.ts';
import { useApp, useSession } from './context.ts';
import { FieldError, NameInput, submitTo } from './common/Field.tsx';
import { Icon } from './common/Icon.tsx';
import { ScreenBar } from './common/ScreenBar.tsx';
import { SessionIdCard } from './common/SessionIdCard.tsx';

export function AddContact({ initialId }: { initialId: string }) {
  const { app } = useApp();
  const s = useSession();
  const m = useModel(
    () =>
      new AddContactModel(
        { client: s.client, engine: s.engine, contacts: s.contacts, invitations: s.invitations, prefs: s.prefs, me: s.me },
        initialId,
      ),
    [initialId],
  );
  const scanner = useModel(() => new ScannerModel());
  const video = useRef<HTMLVideoElement>(null);
  const sent = m.sentId.value;
  useEffect(() => {
    if (sent) app.router.go({ name: 'contacts' });
  }, [sent]);
  const idError = m.idError.value;
  const existing = m.existing.value;
  return (
    <section class="screen" aria-labelledby="add-title" data-testid="add-contact-screen">
      <ScreenBar title="Add contact" titleId="add-title" />
      <div class="screen-body narrow">
        <form class="form" noValidate onSubmit={submitTo(() => m.submit())} data-testid="add-contact-form">
          <div class="field">
            <label for="add-id">Their Session ID</label>
            <textarea
              id="add-id"
              class="mono"
              rows={3}
              value={m.sessionId.value}
              placeholder="05…"
              spellcheck={false}
              autocapitalize="off"
              autocomplete="off"
              aria-invalid={idError ? 'true' : undefined}
              aria-describedby={idError ? 'add-id-error' : 'add-id-hint'}
              data-testid="add-id-input"
              onInput={(e) => m.setId((e.currentTarget as HTMLTextAreaElement).value)}
              onBlur={() => m.blurId()}
            />
            {canScan() && (
              <div class="scan">
                {scanner.active.value ? (
                  <>
                    <video ref={video} class="scan-video" muted playsInline aria-label="Camera view: point it at their QR code" />
                    <button type="button" class="btn btn-secondary btn-sm" onClick={() => scanner.stop()}>
                      Stop scanning
                    </button>
                  </>
                ) : (
                  <button
                    type="button"
                    class="btn btn-secondary btn-sm"
                    data-testid="scan-qr"
                    onClick={() => {
                      scanner.active.value = true; // renders the <video> first
                      requestAnimationFrame(() => video.current && void scanner.start(video.current, (text) => m.setId(text)));
                    }}
                  >
                    <Icon name="camera" size={16} /> Scan their QR code
                  </button>
                )}
                <FieldError message={scanner.error.value} />
              </div>
            )}
            {idError ? (
              <p class="field-error" id="add-id-error" role="alert" data-testid="add-id-error">
                <Icon name="alert" size={16} /> {idError}
              </p>
            ) : existing ? (
              <p class="field-note" data-testid="add-existing">
                Already a contact. <a href={`#/chat/${existing.sessionId}`}>Open the chat</a>
              </p>
            ) : (
              <p class="field-hint" id="add-id-hint">
                66 characters starting with 05. Ask them to copy it from Settings.
              </p>
            )}
          </div>
          <div class="field">
            <label for="add-name">Your name, as they will see it</label>
            <NameInput
              id="add-name"
              value={m.name.value}
              autocomplete="nickname"
              invalid={Boolean(m.nameError.value)}
              testId="add-name-input"
              onInput={(v) => m.setName(v)}
            />
            <FieldError message={m.nameError.value} id="add-name-error" />
          </div>
          <div class="field">
            <label for="add-note">
              Note <span class="muted">(optional)</span>
            </label>
            <textarea
              id="add-note"
              rows={2}
              value={m.note.value}
              maxLength={MAX_NOTE}
              placeholder="Hi, it’s me from…"
              data-testid="add-note-input"
              onInput={(e) => m.setNote((e.currentTarget as HTMLTextAreaElement).value)}
            />
            <p class="field-hint">Encrypted: only they can read it. The request expires after 24 hours.</p>
          </div>
          <FieldError message={m.submitError.value} testId="add-submit-error" />
          <button type="submit" class="btn btn-primary btn-block" disabled={m.submitting.value} data-testid="send-invitation">
            {m.submitting.value ? 'Sending…' : 'Send contact request'}
          </button>
        </form>
        <details class="share-mine">
          <summary>
            <Icon name="qr" size={18} /> Or let them add you: your Session ID
          </summary>
          <SessionIdCard id={s.me} />
        </details>
      </div>
    </section>
  );
}
