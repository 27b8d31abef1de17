// Outgoing message status. It only moves forward: queued → sent → delivered → read. `failed`
// stands beside the line: reachable from queued, left by any other status (a retry that succeeds,
// or a user retry back to queued). A late `sent` after `delivered` changes nothing.
import type { Batch } from './batch.ts';
import type { MessageStatus } from './storage.ts';

const RANK = { queued: 0, sent: 1, delivered: 2, read: 3 } as const;

/** The status after `next` is observed in `current`. */
export function advanceStatus(current: MessageStatus, next: MessageStatus): MessageStatus {
  if (next === current) return current;
  if (next === 'failed') return current === 'queued' ? 'failed' : current;
  if (current === 'failed') return next;
  return RANK[next] > RANK[current] ? next : current;
}

/**
 * Applies a status to an outgoing message to `peer` (when given), in batch b; the app is told once
 * it is stored, with the message record as it now is.
 */
export async function applyStatus(
  b: Batch,
  messageId: string,
  next: MessageStatus,
  opts: { peer?: string; reason?: string; retrying?: boolean } = {},
): Promise<boolean> {
  const m = await b.getMessage(messageId);
  if (m?.direction !== 'out' || (opts.peer !== undefined && m.peer !== opts.peer)) return false;
  const current = m.status ?? 'queued';
  const status = advanceStatus(current, next);
  const reason = status === 'failed' ? opts.reason : undefined;
  if (status === current && reason === m.failureReason) return false;
  m.status = status;
  if (reason === undefined) delete m.failureReason;
  else m.failureReason = reason;
  b.putMessage(m);
  const ev = { id: m.id, peer: m.peer, status, message: m };
  b.emit('status', reason === undefined ? ev : opts.retrying ? { ...ev, reason, retrying: true } : { ...ev, reason });
  return true;
}
