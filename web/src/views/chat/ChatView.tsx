import { formatListTime, shortId } from '../../lib/format.ts';
import { AttachmentsModel } from '../../models/attachments.ts';
import { ChatModel } from '../../models/chat.ts';
import { useModel } from '../../models/useModel.ts';
import { useSession } from '../context.ts';
import { Avatar } from '../common/Avatar.tsx';
import { ConfirmDialog } from '../common/Dialog.tsx';
import { Icon } from '../common/Icon.tsx';
import { ChatMenu } from './ChatMenu.tsx';
import { Composer } from './Composer.tsx';
import { MessageList } from './MessageList.tsx';

export function ChatView({ peer }: { peer: string }) {
  const s = useSession();
  const chat = useModel(
    () =>
      new ChatModel(peer, {
        client: s.client,
        contacts: s.contacts,
        visible: s.visibility.visible,
        maxChars: s.engine.MAX_CONTENT_CHARS,
        size: { measure: s.engine.contentBytes, max: () => s.client.maxMessageBytes() },
      }),
    [peer],
  );
  const att = useModel(() => new AttachmentsModel(peer, s.client), [peer]);
  const canSend = chat.canSend.value;
  // Desktop: files pasted or dropped anywhere on the chat are attached.
  const onPaste = (e: ClipboardEvent) => {
    const files = [...(e.clipboardData?.files ?? [])];
    if (files.length === 0 || !canSend) return;
    e.preventDefault();
    void att.sendFiles(files);
  };
  const onDrop = (e: DragEvent) => {
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length === 0) return;
    e.preventDefault();
    if (canSend) void att.sendFiles(files);
  };
  const name = chat.name.value;
  const online = chat.online.value;
  const typing = chat.typing.value;
  const contact = chat.contact.value;
  // Only from presence the contact shares (the SDK never learns it otherwise).
  const seen = online ? undefined : s.client.lastSeen(peer);
  return (
    <section
      class="chat"
      aria-label={`Chat with ${name}`}
      data-testid="chat-view"
      data-peer={peer}
      onPaste={onPaste}
      onDragOver={(e) => e.dataTransfer?.types.includes('Files') && e.preventDefault()}
      onDrop={onDrop}
    >
      <header class="bar chat-bar">
        <a class="icon-btn back-btn" href="#/" aria-label="Back to chats" data-testid="back">
          <Icon name="back" />
        </a>
        <Avatar id={peer} name={s.contacts.hasName(peer) ? name : undefined} online={online} />
        <div class="chat-title">
          <h1 data-testid="chat-name">{name}</h1>
          <p class={typing ? 'chat-sub typing-text' : 'chat-sub'} data-testid="chat-status">
            {typing
              ? 'typing…'
              : online
                ? 'online'
                : seen !== undefined
                  ? `last seen ${formatListTime(seen, s.clock.now.value)}`
                  : shortId(peer)}
          </p>
        </div>
        <ChatMenu chat={chat} />
        {contact?.state === 'accepted' && (
          <button type="button" class="icon-btn" aria-label={`Block ${name}`} onClick={() => chat.askBlock()} data-testid="block-contact">
            <Icon name="block" />
          </button>
        )}
      </header>
      <MessageList chat={chat} />
      {canSend ? (
        <Composer chat={chat} att={att} />
      ) : (
        <p class="chat-notice" data-testid="chat-notice">
          {chat.blocked.value
            ? `You blocked ${name}. They can no longer message you.`
            : contact
              ? ''
              : 'You can write once they accept your contact request.'}
        </p>
      )}
      <ConfirmDialog
        open={chat.blockConfirm.value}
        title={`Block ${name}?`}
        confirmLabel="Block"
        danger
        testId="block-dialog"
        onConfirm={() => chat.block()}
        onCancel={() => chat.askBlock(false)}
      >
        <p>They will not be able to message you or send you requests. They are not told.</p>
      </ConfirmDialog>
    </section>
  );
}
