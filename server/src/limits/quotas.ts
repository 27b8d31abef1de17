// Quotas: how much of something held for one person another party may take (issue 11, finding 8),
// next to the rates of limits.ts. A recipient's mailbox and pending-invitation slots are shared by
// everyone who may write to them, so no single writer (a sender, an address, a burst of new IDs)
// may take all of it: the rest stays open to the others.
import type { Config } from '../config.ts';
import type { ServerContext } from '../context.ts';
import type { InvitationQuota, MailboxLimits } from '../store/types.ts';

const DAY = 86_400_000;

/**
 * How long the server remembers when it first saw a Session ID, after its last connect: a week, or
 * twice NEW_IDENTITY_AGE if longer. An identity away longer counts as new again when it comes back
 * (for invitation slots only); one record per identity seen in that time is the memory it costs.
 */
export function firstSeenTtlMs(config: Config): number {
  return Math.max(7 * DAY, 2 * config.newIdentityAgeMs);
}

/** One sender's share of a recipient's mailbox: MAILBOX_SENDER_SHARE percent of entries and bytes. */
export function senderShare(
  config: Config,
  limits: Pick<MailboxLimits, 'maxEntries' | 'maxBytes'>,
): Pick<MailboxLimits, 'maxSenderEntries' | 'maxSenderBytes'> {
  if (config.mailboxSenderShare >= 100) return {};
  const part = config.mailboxSenderShare / 100;
  return {
    maxSenderEntries: Math.max(1, Math.floor(limits.maxEntries * part)),
    maxSenderBytes: Math.max(1, Math.floor(limits.maxBytes * part)),
  };
}

/** Records that sid connected now (its first-seen time is kept, its TTL refreshed). */
export async function noteIdentitySeen(ctx: ServerContext, sid: string, now: number): Promise<void> {
  await ctx.store.firstSeen(sid, now, firstSeenTtlMs(ctx.config));
}

/** The pending-invitation quota an invitation from sid, connected from address, counts against. */
export async function invitationQuota(ctx: ServerContext, sid: string, address: string, now: number): Promise<InvitationQuota> {
  const { config } = ctx;
  const first = await ctx.store.firstSeen(sid, now, firstSeenTtlMs(config));
  return {
    address,
    maxPerAddress: config.maxPendingInvitesPerAddress,
    fromNew: now - first < config.newIdentityAgeMs,
    maxFromNew: config.maxPendingInvitesFromNew,
  };
}
