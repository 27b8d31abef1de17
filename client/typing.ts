// Typing indicators (DESIGN.md "Presence and typing"): ephemeral envelopes, never queued. The
// sender says "on" at most every throttleMs while typing and "off" on send or idle; the receiver
// expires an "on" by itself after timeoutMs, so a lost "off" never leaves a contact typing forever.
import { randomId, seal, toBase64, type SessionId } from '../protocol/index.ts';
import { encodeBody } from './body.ts';
import type { ClientContext } from './context.ts';
import { Timer } from './runtime.ts';

export interface TypingOptions {
  /** Receiving side: an "on" with no "off" expires after this. */
  readonly timeoutMs: number;
  /** Sending side: at most one "on" per this while typing. */
  readonly throttleMs: number;
  /** Sending side: no keystroke for this long sends "off". */
  readonly idleMs: number;
}

export const DEFAULT_TYPING: TypingOptions = { timeoutMs: 6000, throttleMs: 3000, idleMs: 5000 };

interface Outgoing {
  on: boolean;
  lastOnAt: number;
  idle: Timer;
}

export class Typing {
  private readonly _out = new Map<string, Outgoing>();
  private readonly _in = new Map<string, Timer>();

  constructor(
    private readonly _ctx: ClientContext,
    private readonly _opts: TypingOptions,
  ) {}

  /** The app reports typing in the conversation with `peer`. Cheap to call on every keystroke. */
  set(peer: string, isTyping: boolean): void {
    let s = this._out.get(peer);
    if (!isTyping) {
      if (!s?.on) return;
      s.on = false;
      s.idle.clear();
      this._send(peer, false);
      return;
    }
    if (!this._ctx.settings().shareTyping) return;
    if (!s) this._out.set(peer, (s = { on: false, lastOnAt: -Infinity, idle: new Timer(this._ctx.runtime) }));
    const now = this._ctx.runtime.now();
    if ((!s.on || now - s.lastOnAt >= this._opts.throttleMs) && this._send(peer, true)) {
      s.on = true;
      s.lastOnAt = now;
    }
    if (s.on) s.idle.set(this._opts.idleMs, () => this.set(peer, false));
  }

  /** Offline, typing is dropped: it is never queued, and a stale "on" later would be a lie. */
  private _send(peer: string, on: boolean): boolean {
    if (!this._ctx.connected()) return false;
    let ct: string;
    try {
      ct = toBase64(seal(this._ctx.identity(), peer as SessionId, encodeBody({ t: 'typing', on })));
    } catch {
      return false;
    }
    return this._ctx.send({ type: 'send', id: randomId(), to: peer, ct, ephemeral: true });
  }

  /** An incoming typing body from `peer`. */
  onTyping(peer: string, on: boolean): void {
    const wasOn = this._in.has(peer);
    this._in.get(peer)?.clear();
    if (!on) {
      this._in.delete(peer);
      if (wasOn) this._ctx.events.emit('typing', { peer, isTyping: false });
      return;
    }
    const t = new Timer(this._ctx.runtime);
    this._in.set(peer, t);
    t.set(this._opts.timeoutMs, () => {
      this._in.delete(peer);
      this._ctx.events.emit('typing', { peer, isTyping: false });
    });
    if (!wasOn) this._ctx.events.emit('typing', { peer, isTyping: true });
  }

  /** A message from `peer` arrived: they stopped typing it. */
  onMessage(peer: string): void {
    if (this._in.has(peer)) this.onTyping(peer, false);
  }

  isTyping(peer: string): boolean {
    return this._in.has(peer);
  }

  stop(): void {
    for (const s of this._out.values()) s.idle.clear();
    this._out.clear();
    for (const [peer, t] of this._in) {
      t.clear();
      this._ctx.events.emit('typing', { peer, isTyping: false });
    }
    this._in.clear();
  }
}
