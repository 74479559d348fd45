import type { DeliveredMessage } from '../contracts/network.js';
import { NoError } from '../contracts/errors.js';
import type { Inbox, OfferOptions } from './inbox.js';

/**
 * Puts a broadcast in every subscriber queue. `fail`: all or nothing — MAILBOX_FULL before any queue
 * changes. `wait`: offered to every queue at once (so each sees broadcasts in send order), resolving
 * when all have it; on timeout or abort the error says how many subscribers missed it.
 */
export async function offerToAll(inboxes: readonly Inbox[], message: DeliveredMessage, options: OfferOptions): Promise<void> {
  const full = inboxes.filter((inbox) => !inbox.hasSpace());
  if (options.onFull === 'fail' && full.length > 0) {
    throw new NoError('MAILBOX_FULL', `${full.length} subscriber queue(s) of ${message.topic} are full`, {
      details: { topic: message.topic, full: full.map((inbox) => inbox.owner ?? 'subscriber') },
    });
  }
  const results = await Promise.allSettled(inboxes.map((inbox) => inbox.offer(message, options)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed.length > 0) {
    const first = failed[0]?.reason as NoError;
    throw new NoError(first.code, `${first.message} (${failed.length} of ${inboxes.length} subscribers missed the message)`, {
      cause: first,
      details: { ...first.details, missed: failed.length, subscribers: inboxes.length },
    });
  }
}
