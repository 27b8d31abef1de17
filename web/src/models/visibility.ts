// Whether the person can see the app right now: read receipts are sent only for what is on screen,
// and system notifications only when it is not.
import { signal } from '@preact/signals';
import { Disposable } from './_disposable.ts';

export class PageVisibility extends Disposable {
  readonly visible = signal(true);

  constructor(private readonly _doc: Document | undefined = globalThis.document) {
    super();
    const read = (): void => {
      this.visible.value = !this._doc || this._doc.visibilityState === 'visible';
    };
    read();
    this.listen(_doc, 'visibilitychange', read);
  }
}
