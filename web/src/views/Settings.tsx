// Settings: who I am (ID, QR, name), privacy, recovery phrase behind a confirm, linking another
// device, notifications, and wiping this device.
import { SettingsModel, type PrivacyKey } from '../models/settings.ts';
import { useModel } from '../models/useModel.ts';
import { useApp, useSession } from './context.ts';
import { ConfirmDialog } from './common/Dialog.tsx';
import { FieldError, NameInput, submitTo } from './common/Field.tsx';
import { Icon } from './common/Icon.tsx';
import { ScreenBar } from './common/ScreenBar.tsx';
import { SessionIdCard } from './common/SessionIdCard.tsx';
import { NotificationSettings } from './NotificationSettings.tsx';
import { HistorySection } from './settings/History.tsx';
import { LockSettings } from './LockSettings.tsx';

const TOGGLES: readonly { key: PrivacyKey; label: string; hint: string }[] = [
  {
    key: 'sharePresence',
    label: 'Share when I am online',
    hint: 'Off: contacts see you as offline, and you do not see when they are online.',
  },
  { key: 'shareTyping', label: 'Typing indicators', hint: 'Off: contacts do not see you typing, and you do not see them typing.' },
  {
    key: 'sendReadReceipts',
    label: 'Read receipts',
    hint: 'Off: contacts do not see when you read their messages, and you do not see when they read yours.',
  },
];

declare const __APP_VERSION__: string;

export function Settings() {
  const { app, update } = useApp();
  const s = useSession();
  const m = useModel(() => new SettingsModel({ client: s.client, prefs: s.prefs, privacy: s.privacy, wipe: () => app.wipe() }));
  const settings = m.settings.value;
  const phrase = m.phrase.value;
  return (
    <section class="screen" aria-labelledby="settings-title" data-testid="settings-screen">
      <ScreenBar title="Settings" titleId="settings-title" />
      <div class="screen-body narrow">
        <section class="section" aria-labelledby="me-title">
          <h2 class="section-title" id="me-title">
            Your Session ID
          </h2>
          <p class="muted">Share it so people can add you. It is not secret, and it is all anyone needs to reach you.</p>
          <SessionIdCard id={s.me} />
          <form class="inline-form" onSubmit={submitTo(() => m.saveName())}>
            <label for="settings-name">Your name</label>
            <div class="inline-row">
              <NameInput id="settings-name" value={m.nameDraft.value} onInput={(v) => m.setNameDraft(v)} testId="settings-name" />
              <button type="submit" class="btn btn-secondary">
                {m.nameSaved.value ? 'Saved' : 'Save'}
              </button>
            </div>
            <p class="field-hint">Sent, encrypted, with your contact requests and when you accept one.</p>
          </form>
        </section>

        <section class="section" aria-labelledby="privacy-title">
          <h2 class="section-title" id="privacy-title">
            Privacy
          </h2>
          <ul class="toggles">
            {TOGGLES.map((t) => (
              <li key={t.key} class="toggle-row">
                <label class="toggle" for={`toggle-${t.key}`}>
                  <span class="toggle-text">
                    <span>{t.label}</span>
                    <span class="field-hint" id={`hint-${t.key}`}>
                      {t.hint}
                    </span>
                  </span>
                  <input
                    id={`toggle-${t.key}`}
                    type="checkbox"
                    // biome-ignore lint/a11y/useAriaPropsForRole: a native checkbox: its checked state is what assistive technology reads as the switch state
                    role="switch"
                    class="switch"
                    checked={settings[t.key]}
                    disabled={m.saving.value === t.key}
                    aria-describedby={`hint-${t.key}`}
                    onChange={() => m.toggle(t.key)}
                    data-testid={`toggle-${t.key}`}
                  />
                </label>
              </li>
            ))}
          </ul>
          <FieldError message={m.error.value} />
        </section>

        <section class="section" aria-labelledby="phrase-title">
          <h2 class="section-title" id="phrase-title">
            Recovery phrase
          </h2>
          <p class="muted">
            The 12 words are your account. With them you can restore it on a new device; anyone who has them can read your messages.
          </p>
          {phrase ? (
            <div class="phrase-box" data-testid="settings-phrase">
              <ol class="phrase-grid">
                {phrase.split(' ').map((w, i) => (
                  <li key={i}>
                    <span class="n">{i + 1}</span> {w}
                  </li>
                ))}
              </ol>
              <button type="button" class="btn btn-secondary" onClick={() => m.hidePhrase()} data-testid="hide-phrase">
                Hide
              </button>
            </div>
          ) : (
            <button type="button" class="btn btn-secondary" onClick={() => m.askPhrase()} data-testid="show-phrase">
              <Icon name="key" size={18} /> Show recovery phrase
            </button>
          )}
        </section>

        <section class="section" aria-labelledby="link-title">
          <h2 class="section-title" id="link-title">
            Link another device
          </h2>
          <ol class="steps">
            <li>Open Session on the other device (this address, or the installed app).</li>
            <li>
              Choose <strong>I have a recovery phrase</strong> and enter your 12 words.
            </li>
            <li>Both devices then receive every new message and share your contacts, blocks and name. Earlier messages: below.</li>
          </ol>
        </section>

        <section class="section" aria-labelledby="devices-title">
          <h2 class="section-title" id="devices-title">
            Your devices
          </h2>
          <ul class="rows" data-testid="devices-list">
            {m.devices.value.map((d) => (
              <li key={d.deviceId} class="row" data-testid="device-row" data-this={d.thisDevice ? 'true' : undefined}>
                <span class="row-main">
                  <span class="row-name">{d.label ?? `Device ${d.deviceId.slice(0, 6)}`}</span>
                  <span class="muted">
                    {d.thisDevice ? 'This device' : d.lastSeen ? `Last seen ${new Date(d.lastSeen).toLocaleString()}` : 'Not seen yet'}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          <p class="muted">
            Every device with your recovery phrase is you and cannot be locked out from here. If one is lost, treat the phrase as exposed.
          </p>
        </section>

        <HistorySection client={s.client} />

        <NotificationSettings />

        <LockSettings />

        <section class="section danger-zone" aria-labelledby="wipe-title">
          <h2 class="section-title" id="wipe-title">
            Wipe this device
          </h2>
          <p class="muted">
            Deletes your identity, contacts and messages from this device. Your recovery phrase restores your identity and contacts; your
            messages come back only from another device of yours or a backup file.
          </p>
          <button type="button" class="btn btn-danger" onClick={() => m.askWipe()} disabled={m.wiping.value} data-testid="wipe-device">
            <Icon name="trash" size={18} /> {m.wiping.value ? 'Wiping…' : 'Wipe this device'}
          </button>
        </section>

        <p class="version muted">
          Session {__APP_VERSION__}
          {update.available.value && (
            <>
              {' · '}
              <button type="button" class="link-btn" onClick={() => update.apply()}>
                Update available
              </button>
            </>
          )}
        </p>
      </div>

      <ConfirmDialog
        open={m.phraseConfirm.value}
        title="Show your recovery phrase?"
        confirmLabel="Show"
        testId="phrase-dialog"
        onConfirm={() => m.revealPhrase()}
        onCancel={() => m.askPhrase(false)}
      >
        <p>Make sure no one can see your screen. Never share these words: Session will never ask you for them.</p>
      </ConfirmDialog>
      <ConfirmDialog
        open={m.wipeConfirm.value}
        title="Wipe this device?"
        confirmLabel="Wipe everything"
        danger
        testId="wipe-dialog"
        onConfirm={() => m.wipe()}
        onCancel={() => m.askWipe(false)}
      >
        <p>
          Your identity, contacts and messages will be deleted from this device. Your recovery phrase brings back your identity and
          contacts; messages that are on no other device of yours are lost unless you export a backup first. Write the phrase down first if
          you want to keep your account.
        </p>
      </ConfirmDialog>
    </section>
  );
}
