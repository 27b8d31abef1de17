// Search over local history from the chat list: the SDK searches stored text (case-insensitive,
// newest first); a result opens its chat at the message (jumpTarget).
import { signal } from '@preact/signals';
import type { Client, StoredMessage } from '../api.ts';
import { Disposable } from './_disposable.ts';
import { jumpTarget } from './messageActions.ts';

export const SEARCH_PAGE = 20;

export class SearchModel extends Disposable {
  readonly query = signal('');
  readonly results = signal<readonly StoredMessage[]>([]);
  readonly more = signal(false);
  readonly searching = signal(false);
  private _next: number | undefined;
  private _run = 0;

  constructor(private readonly _client: Client) {
    super();
  }

  /** Searches for the text (the latest call wins when answers cross). */
  async input(q: string): Promise<void> {
    this.query.value = q;
    const run = ++this._run;
    if (q.trim() === '') {
      this.results.value = [];
      this.more.value = false;
      return;
    }
    this.searching.value = true;
    try {
      const page = await this._client.searchMessages(q, { limit: SEARCH_PAGE });
      if (run !== this._run || this.disposed) return;
      this.results.value = page.results;
      this._next = page.nextBeforeSeq;
      this.more.value = page.nextBeforeSeq !== undefined;
    } finally {
      if (run === this._run) this.searching.value = false;
    }
  }

  async loadMore(): Promise<void> {
    if (this._next === undefined) return;
    const run = this._run;
    const page = await this._client.searchMessages(this.query.value, { limit: SEARCH_PAGE, beforeSeq: this._next });
    if (run !== this._run || this.disposed) return;
    this.results.value = [...this.results.value, ...page.results];
    this._next = page.nextBeforeSeq;
    this.more.value = page.nextBeforeSeq !== undefined;
  }

  /** The chat opened from a result shows that message. */
  open(m: StoredMessage): void {
    jumpTarget.value = { peer: m.peer, id: m.id };
  }

  clear(): void {
    void this.input('');
  }
}
