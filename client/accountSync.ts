// Keeps this device's copy of the account document (protocol/account.ts) and the server's blob in
// step: fetch on every connect, merge what comes, upload with compare-and-swap (a conflict answers
// with the current blob: merge and retry), fetch again when a sibling device says it stored one.
// Local changes are merged at once and uploaded when connected; nothing waits on the network.
//
// The engine knows nothing of contacts: `apply` is told the merged document whenever it changed,
// and whoever owns contacts, blocks and names projects it into storage.
import {
  emptyAccount,
  fromBase64,
  Hlc,
  latestStamp,
  mergeAccount,
  openAccount,
  randomId,
  sealAccount,
  toBase64,
  canonical,
  type AccountDoc,
  type ClientFrame,
  type Identity,
  type ServerFrames,
  type Stamp,
} from '../protocol/index.ts';

/** What a device persists about the document. */
export interface AccountState {
  doc: AccountDoc;
  /** Highest counter merged or uploaded: blobs below it are replays. */
  counter: number;
  /** The server's version this device last saw (for compare-and-swap). */
  version: number;
  /** Changes made here that the server has not stored yet. */
  dirty: boolean;
}

export interface AccountSyncDeps {
  identity(): Identity;
  deviceId(): string;
  now(): number;
  send(frame: ClientFrame): boolean;
  connected(): boolean;
  /** Largest frame the server takes (hello.limits.maxFrameBytes). */
  maxFrameBytes(): number;
  load(): Promise<AccountState | undefined>;
  save(state: AccountState): Promise<void>;
  /** The merged document changed (from here or elsewhere); prev is what it was. */
  apply(doc: AccountDoc, prev: AccountDoc): Promise<void>;
  report(err: unknown): void;
}

/** Frame overhead of account_put besides the base64 part. */
const PUT_OVERHEAD = 512;
/** Conflicts in a row before giving up until the next change or connect (a sibling hammering). */
const MAX_RETRIES = 8;

export class AccountSync {
  private _state: AccountState | undefined;
  private _hlc: Hlc | undefined;
  /** ids of requests on their way, so stale answers (an old socket) are ignored. */
  private _get: string | undefined;
  private _put: { id: string; counter: number; doc: AccountDoc } | undefined;
  private _retries = 0;
  private _fetched = false;
  private _fetchWaiters: (() => void)[] = [];
  /** Every public entry point runs in this chain: the engine is its own serial queue. */
  private _chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly _d: AccountSyncDeps) {}

  private _serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this._chain.then(fn);
    this._chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once this socket's first answer is merged, or the socket is gone. */
  whenFetched(): Promise<void> {
    if (this._fetched) return Promise.resolve();
    return new Promise((resolve) => this._fetchWaiters.push(resolve));
  }

  private _setFetched(v: boolean): void {
    this._fetched = v;
    if (v) for (const w of this._fetchWaiters.splice(0)) w();
  }

  private async _load(): Promise<AccountState> {
    if (!this._state) {
      this._state = (await this._d.load()) ?? { doc: emptyAccount(), counter: 0, version: 0, dirty: false };
      this._hlc = new Hlc(this._d.deviceId(), () => this._d.now());
      const seen = latestStamp(this._state.doc);
      if (seen) this._hlc.observe(seen);
    }
    return this._state;
  }

  doc(): Promise<AccountDoc> {
    return this._serial(async () => (await this._load()).doc);
  }

  /** The document as last merged, without waiting for work in progress (undefined before the first load). */
  get current(): AccountDoc | undefined {
    return this._state?.doc;
  }

  /** Whether this device has merged the server's copy since it connected. */
  get fetched(): boolean {
    return this._fetched;
  }

  /** A local change: `make` gets a fresh stamp and returns the patch to merge in. */
  update(make: (stamp: () => Stamp) => AccountDoc): Promise<AccountDoc> {
    return this._serial(() => this._update(make));
  }

  private async _update(make: (stamp: () => Stamp) => AccountDoc): Promise<AccountDoc> {
    const st = await this._load();
    const patch = make(() => this._hlc!.tick());
    await this._adopt(mergeAccount(st.doc, patch), true);
    this._retries = 0;
    this._push();
    return st.doc;
  }

  /** A new socket: fetch the server's copy (and upload ours once merged). */
  onConnected(): Promise<void> {
    return this._serial(() => this._onConnected());
  }

  private async _onConnected(): Promise<void> {
    await this._load();
    this._fetched = false;
    this._put = undefined;
    this._retries = 0;
    this._fetch();
  }

  onDisconnected(): void {
    this._get = undefined;
    this._put = undefined;
    this._fetched = false;
    for (const w of this._fetchWaiters.splice(0)) w();
  }

  /** An error answering one of our requests (an old server without account frames, a limit). */
  onError(ref: string | undefined): boolean {
    if (ref === undefined) return false;
    if (ref === this._get) {
      this._get = undefined;
      this._setFetched(true);
      return true;
    }
    if (ref === this._put?.id) {
      this._put = undefined;
      return true;
    }
    return false;
  }

  private _fetch(): void {
    const id = randomId();
    if (this._d.send({ type: 'account_get', id })) this._get = id;
  }

  /** `account_changed` from a sibling device. */
  onChanged(frame: ServerFrames['account_changed']): Promise<void> {
    return this._serial(() => this._onChanged(frame));
  }

  private async _onChanged(frame: ServerFrames['account_changed']): Promise<void> {
    const st = await this._load();
    if (frame.version > st.version && !this._get) this._fetch();
  }

  /** An `account` answer; false when it is not ours. */
  onAccount(frame: ServerFrames['account']): Promise<boolean> {
    return this._serial(() => this._onAccount(frame));
  }

  private async _onAccount(frame: ServerFrames['account']): Promise<boolean> {
    const st = await this._load();
    const forGet = frame.ref === this._get;
    const put = this._put?.id === frame.ref ? this._put : undefined;
    if (!forGet && !put) return false;
    if (forGet) this._get = undefined;
    if (put) this._put = undefined;

    if (put && !frame.conflict) {
      st.version = frame.version;
      st.counter = Math.max(st.counter, put.counter);
      // Changes made while the upload was on its way are still to go.
      st.dirty = canonical(st.doc) !== canonical(put.doc);
      await this._d.save(st);
      this._setFetched(true);
      this._push();
      return true;
    }
    // A get's answer, or a conflict carrying the current copy.
    st.version = frame.version;
    let remote: AccountDoc | undefined;
    if (frame.blob !== undefined) {
      try {
        const opened = await openAccount(this._d.identity(), fromBase64(frame.blob));
        if (opened.counter < st.counter) {
          // A replay of an older copy (or a server that lost the newer one): nothing rolls back,
          // and our copy goes up over it.
          this._d.report(
            new Error(
              `account document from the server is older than the one merged here (counter ${opened.counter} < ${st.counter}); keeping ours`,
            ),
          );
        } else {
          st.counter = opened.counter;
          remote = opened.doc;
        }
      } catch (err) {
        this._d.report(err);
      }
    }
    const merged = remote ? mergeAccount(st.doc, remote) : st.doc;
    // Upload when the server lacks something we have (or has nothing, or something unreadable).
    const behind = remote === undefined ? frame.version === 0 || frame.blob !== undefined : canonical(merged) !== canonical(remote);
    await this._adopt(merged, st.dirty || behind);
    this._setFetched(true);
    if (put) this._retries++;
    this._push();
    return true;
  }

  private async _adopt(next: AccountDoc, dirty: boolean): Promise<void> {
    const st = this._state!;
    const prev = st.doc;
    st.doc = next;
    st.dirty = dirty;
    const seen = latestStamp(next);
    if (seen) this._hlc!.observe(seen);
    await this._d.save(st);
    if (canonical(prev) !== canonical(next)) await this._d.apply(next, prev);
  }

  /** Starts an upload when there is something to upload and nothing on its way. */
  private _push(): void {
    const st = this._state;
    if (!st?.dirty || this._put || this._get || !this._fetched || !this._d.connected()) return;
    if (this._retries >= MAX_RETRIES) return;
    const id = randomId();
    const doc = st.doc;
    const counter = st.counter + 1;
    const version = st.version;
    this._put = { id, counter, doc };
    void sealAccount(this._d.identity(), counter, doc).then(
      (blob) => {
        if (this._put?.id !== id) return;
        const b64 = toBase64(blob);
        // Parts on 4-character boundaries decode on their own.
        const size = Math.max(4, Math.floor((this._d.maxFrameBytes() - PUT_OVERHEAD) / 4) * 4);
        const parts = Math.ceil(b64.length / size);
        for (let i = 0; i < parts; i++) {
          const frame: ClientFrame = {
            type: 'account_put',
            id,
            version,
            blob: b64.slice(i * size, (i + 1) * size),
            ...(parts > 1 && { part: i, parts }),
          };
          if (!this._d.send(frame)) {
            this._put = undefined;
            return;
          }
        }
      },
      (err: unknown) => {
        this._put = undefined;
        this._d.report(err);
      },
    );
  }
}
