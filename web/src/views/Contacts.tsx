// Contacts and requests: incoming requests to answer (with time left), the ones I sent with their
// state, and my contacts (open a chat) and blocked IDs.
import type { InvitationRecord } from '../api.ts';
import { describeCode } from '../lib/errors.ts';
import { shortId, timeLeft } from '../lib/format.ts';
import { useSession } from './context.ts';
import { useState } from 'preact/hooks';
import { Avatar } from './common/Avatar.tsx';
import { ConfirmDialog } from './common/Dialog.tsx';
import { FieldError } from './common/Field.tsx';
import { Icon } from './common/Icon.tsx';
import { ScreenBar } from './common/ScreenBar.tsx';

export function Contacts() {
  const s = useSession();
  const incoming = s.invitations.incoming.value;
  const outgoing = s.invitations.outgoing.value;
  const accepted = s.contacts.accepted.value;
  const blocked = s.contacts.blocked.value;
  return (
    <section class="screen" aria-labelledby="contacts-title" data-testid="contacts-screen">
      <ScreenBar title="Contacts" titleId="contacts-title">
        <a class="icon-btn" href="#/add" aria-label="Add contact">
          <Icon name="userPlus" />
        </a>
      </ScreenBar>
      <div class="screen-body">
        <section aria-labelledby="incoming-title" class="section">
          <h2 id="incoming-title" class="section-title">
            Requests {incoming.length > 0 && <span class="badge">{incoming.length}</span>}
          </h2>
          {incoming.length === 0 ? (
            <p class="muted section-empty" data-testid="incoming-empty">
              No one is waiting for an answer.
            </p>
          ) : (
            <ul class="cards" data-testid="incoming-list">
              {incoming.map((i) => (
                <Incoming key={i.id} inv={i} />
              ))}
            </ul>
          )}
        </section>

        {outgoing.length > 0 && (
          <section aria-labelledby="outgoing-title" class="section">
            <h2 id="outgoing-title" class="section-title">
              Sent requests
            </h2>
            <ul class="rows" data-testid="outgoing-list">
              {outgoing.map((i) => (
                <Outgoing key={i.id} inv={i} />
              ))}
            </ul>
          </section>
        )}

        <section aria-labelledby="contacts-list-title" class="section">
          <h2 id="contacts-list-title" class="section-title">
            Your contacts
          </h2>
          {accepted.length === 0 ? (
            <p class="muted section-empty">
              No contacts yet. <a href="#/add">Add someone by their Session ID.</a>
            </p>
          ) : (
            <ul class="rows" data-testid="contact-list">
              {accepted.map((c) => (
                <li key={c.sessionId}>
                  <a class="row-link" href={`#/chat/${c.sessionId}`} data-testid="contact-row" data-peer={c.sessionId}>
                    <Avatar id={c.sessionId} name={c.displayName} online={s.contacts.online.value.has(c.sessionId)} />
                    <span class="row-main">
                      <span class="row-name">{s.contacts.name(c.sessionId)}</span>
                      <span class="muted mono">{shortId(c.sessionId)}</span>
                    </span>
                    <Icon name="chat" size={18} />
                  </a>
                </li>
              ))}
            </ul>
          )}
        </section>

        {blocked.length > 0 && (
          <section aria-labelledby="blocked-title" class="section">
            <h2 id="blocked-title" class="section-title">
              Blocked
            </h2>
            <ul class="rows" data-testid="blocked-list">
              {blocked.map((c) => (
                <li key={c.sessionId} class="row" data-testid="blocked-row" data-peer={c.sessionId}>
                  <Avatar id={c.sessionId} name={c.displayName} />
                  <span class="row-main">
                    <span class="row-name">{s.contacts.name(c.sessionId)}</span>
                    <span class="muted mono">{shortId(c.sessionId)}</span>
                  </span>
                  <button
                    type="button"
                    class="btn btn-ghost"
                    onClick={() => void s.contacts.unblock(c.sessionId)}
                    data-testid="unblock-contact"
                    aria-label={`Unblock ${s.contacts.name(c.sessionId)}`}
                  >
                    Unblock
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
    </section>
  );
}

function Incoming({ inv }: { inv: InvitationRecord }) {
  const s = useSession();
  const [confirmBlock, setConfirmBlock] = useState(false);
  const busy = s.invitations.busy.value.has(inv.id);
  const error = s.invitations.errors.value.get(inv.id);
  const name = inv.displayName || shortId(inv.peer);
  const left = timeLeft(inv.expiresAt, s.clock.now.value);
  return (
    <li class="card invite-card" data-testid="incoming-invitation" data-id={inv.id} data-peer={inv.peer} aria-busy={busy}>
      <div class="invite-head">
        <Avatar id={inv.peer} name={inv.displayName} />
        <div class="invite-who">
          <strong data-testid="invitation-name">{name}</strong>
          <span class="muted mono">{shortId(inv.peer)}</span>
        </div>
        <span class="chip" data-testid="invitation-time-left">
          <Icon name="clock" size={14} /> {left}
        </span>
      </div>
      {inv.message && (
        <blockquote class="invite-note" data-testid="invitation-note">
          {inv.message}
        </blockquote>
      )}
      <FieldError message={error} />
      <div class="row-actions">
        <button
          type="button"
          class="btn btn-primary"
          disabled={busy}
          onClick={() => s.invitations.accept(inv.id)}
          data-testid="accept-invitation"
          aria-label={`Accept request from ${name}`}
        >
          Accept
        </button>
        <button
          type="button"
          class="btn btn-secondary"
          disabled={busy}
          onClick={() => s.invitations.decline(inv.id)}
          data-testid="decline-invitation"
          aria-label={`Decline request from ${name}`}
        >
          Decline
        </button>
        <button
          type="button"
          class="btn btn-ghost btn-danger-text"
          disabled={busy}
          onClick={() => setConfirmBlock(true)}
          data-testid="block-invitation"
          aria-label={`Block ${name}`}
        >
          <Icon name="block" size={16} /> Block
        </button>
      </div>
      <ConfirmDialog
        open={confirmBlock}
        title={`Block ${name}?`}
        confirmLabel="Block"
        danger
        testId="block-invitation-dialog"
        onConfirm={() => {
          setConfirmBlock(false);
          void s.invitations.block(inv);
        }}
        onCancel={() => setConfirmBlock(false)}
      >
        <p>
          They will not be able to message you or send you requests, on any of your devices. They are not told. You can unblock them under
          Contacts.
        </p>
      </ConfirmDialog>
    </li>
  );
}

const OUT_STATE: Record<string, string> = {
  accepted: 'Accepted',
  declined: 'Declined',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

function Outgoing({ inv }: { inv: InvitationRecord }) {
  const s = useSession();
  const busy = s.invitations.busy.value.has(inv.id);
  const error = s.invitations.errors.value.get(inv.id);
  const now = s.clock.now.value;
  const pending = inv.status === 'pending';
  const named = s.contacts.hasName(inv.peer);
  // pendingOp 'invite' is cleared (with an invitationUpdate) when the server acknowledges it.
  const connected = s.connection.state.value === 'connected';
  const expired = pending && inv.expiresAt <= now;
  const label =
    inv.status === 'failed'
      ? `Not sent: ${describeCode(inv.reason)}`
      : pending
        ? expired
          ? 'Expired'
          : inv.pendingOp === 'invite'
            ? connected
              ? 'Sending…'
              : 'Queued: goes out when you are online'
            : `Waiting · ${timeLeft(inv.expiresAt, now)}`
        : (OUT_STATE[inv.status] ?? inv.status);
  return (
    <li class="row outgoing" data-testid="outgoing-invitation" data-id={inv.id} data-peer={inv.peer} data-status={inv.status}>
      <Avatar id={inv.peer} name={named ? s.contacts.name(inv.peer) : undefined} />
      <span class="row-main">
        <span class="row-name">{named ? s.contacts.name(inv.peer) : <span class="mono">{shortId(inv.peer)}</span>}</span>
        {inv.message && <span class="muted ellipsis">“{inv.message}”</span>}
        <span class="row-state">
          <span class={`chip chip-${inv.status}`} data-testid="outgoing-state">
            {label}
          </span>
          {pending && !expired && (
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              disabled={busy}
              onClick={() => s.invitations.cancel(inv.id)}
              data-testid="cancel-invitation"
              aria-label="Cancel request"
            >
              Cancel
            </button>
          )}
          {inv.status === 'accepted' && (
            <a class="btn btn-ghost btn-sm" href={`#/chat/${inv.peer}`} aria-label="Open chat">
              Open chat
            </a>
          )}
        </span>
        {error && (
          <span class="field-error" role="alert">
            {error}
          </span>
        )}
      </span>
    </li>
  );
}
