import type { ComponentChildren } from 'preact';
import { Icon } from './Icon.tsx';

/** A detail screen's top bar: back to the chats (on a phone), the title, and actions. */
export function ScreenBar({ title, titleId, children }: { title: string; titleId: string; children?: ComponentChildren }) {
  return (
    <header class="bar">
      <a class="icon-btn back-btn" href="#/" aria-label="Back to chats" data-testid="back">
        <Icon name="back" />
      </a>
      <h1 class="bar-title" id={titleId}>
        {title}
      </h1>
      {children}
    </header>
  );
}
