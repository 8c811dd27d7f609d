import type { Logger } from '@nestjs/common';
import type { ImapFlow } from 'imapflow';
import { assertNever } from '../../../correlation/assert-never.js';
import { scrubText } from '../../../correlation/scrub.js';
import type { ChannelIntake } from '../channel-intake.js';
import type { EmailChannelConfig } from './email-config.js';
import { readEmail } from './email-message.js';
import { decideEmail } from './email-report.js';

/**
 * A report is a few lines; a message is read up to this size, so a 25 MB scan attached to it costs
 * neither memory nor time. What is cut is the attachment's tail (text parts come first in the mail
 * programs people use), counted still, never read.
 */
export const MAX_SOURCE_BYTES = 1024 * 1024;

export interface PassContext {
  client: ImapFlow;
  email: EmailChannelConfig;
  intake: ChannelIntake;
  logger: Logger;
  now: () => Date;
  /** Set when corral is stopping: the pass ends after the message in hand. */
  stopping: () => boolean;
  /**
   * Messages the server would not move (`uidValidity:uid`): skipped until corral restarts, so one
   * the server refuses to move (over quota, no right on the folder) is not fetched and taken again
   * on every pass. Held by the reader across passes.
   */
  unmovable: Set<string>;
}

/** A bound on `unmovable`: a server refusing every move is a configuration error the log already shows. */
const MAX_UNMOVABLE = 10_000;

/** How long a message's report waits for its incident, for the log line: nobody is answered by e-mail, so not long. */
const LOG_WAIT_MS = 1_000;

/** A folder path from the channels file (`corral/processed`), in the server's own hierarchy separator. */
export const folder = (path: string): string[] => path.split('/');

/**
 * One pass over the shared mailbox, oldest first: each message becomes a report (or is known to be
 * automatic, or cannot be one) and is moved out of the mailbox once that is settled. A message whose
 * report could not be kept (the inbox full, the database down) stays, and the pass stops there: the
 * next pass tries it again.
 */
export async function passOverMailbox(context: PassContext): Promise<void> {
  const { client, email } = context;
  const lock = await client.getMailboxLock(email.mailbox);
  try {
    // A message someone marked deleted (and the server has not expunged yet) is no report.
    const uids = (await client.search({ deleted: false }, { uid: true })) || [];
    const validity = String(client.mailbox ? client.mailbox.uidValidity : 0);
    for (const uid of uids) {
      if (context.stopping()) return;
      if (context.unmovable.has(`${validity}:${uid}`)) continue;
      if ((await sortMessage(context, uid)) === 'left') return;
    }
  } finally {
    lock.release();
  }
}

async function sortMessage(context: PassContext, uid: number): Promise<'moved' | 'left'> {
  const { client, email, logger } = context;
  const where = `email: message ${uid} in ${email.mailbox}`;
  // imapflow answers a server's NO to MOVE with false, not an error.
  const move = async (to: string) => {
    if (await client.messageMove(String(uid), folder(to), { uid: true })) return;
    const key = `${String(client.mailbox ? client.mailbox.uidValidity : 0)}:${uid}`;
    if (context.unmovable.size >= MAX_UNMOVABLE) context.unmovable.clear();
    context.unmovable.add(key);
    logger.warn(`${where} could not be moved to ${to}: the server refused (is the folder over quota, or may corral's account not write to it?); it stays in ${email.mailbox} and is skipped until corral restarts`);
  };
  let fetched;
  try {
    fetched = await client.fetchOne(String(uid), { uid: true, internalDate: true, source: { maxLength: MAX_SOURCE_BYTES } }, { uid: true });
  } catch (error) {
    // The connection is gone: the session starts again. Otherwise this one message cannot be fetched, and must not hold up the rest.
    if (!client.usable) throw error;
    logger.warn(`${where} cannot be fetched (${scrubText(error instanceof Error ? error.message : String(error))}); moved to ${email.failedMailbox}`);
    await move(email.failedMailbox);
    return 'moved';
  }
  // Gone since the search (another reader of the mailbox took it): nothing to do.
  if (!fetched || !fetched.source) return 'moved';

  let message;
  try {
    message = await readEmail(fetched.source);
  } catch (error) {
    logger.warn(`${where} cannot be read as an e-mail (${scrubText(error instanceof Error ? error.message : String(error))}); moved to ${email.failedMailbox}`);
    await move(email.failedMailbox);
    return 'moved';
  }
  const arrivedAt = fetched.internalDate === undefined ? undefined : new Date(fetched.internalDate);
  const decision = decideEmail(message, email, arrivedAt, context.now());
  switch (decision.kind) {
    case 'automatic':
      logger.log(`${where} is automatic (${decision.why}): no report; moved to ${email.processedMailbox}`);
      await move(email.processedMailbox);
      return 'moved';
    case 'unusable':
      logger.warn(`${where} is not a report corral can take: ${decision.why}; moved to ${email.failedMailbox}`);
      await move(email.failedMailbox);
      return 'moved';
    case 'report':
      break;
    default:
      return assertNever(decision);
  }

  const uidValidity = context.client.mailbox ? String(context.client.mailbox.uidValidity) : '0';
  let outcome;
  try {
    outcome = await context.intake.report(decision.report, `email-${uidValidity}-${uid}`, LOG_WAIT_MS);
  } catch (error) {
    logger.warn(`${where}: its report could not be kept (${scrubText(error instanceof Error ? error.message : String(error))}); left in ${email.mailbox}, tried again on the next pass`);
    return 'left';
  }
  switch (outcome.kind) {
    case 'joined':
      logger.log(`${where}: report joined incident ${outcome.incident.id}; moved to ${email.processedMailbox}`);
      break;
    case 'pending':
      logger.log(`${where}: report kept, not yet correlated; moved to ${email.processedMailbox}`);
      break;
    case 'duplicate':
      logger.log(`${where}: already taken (this very message was read before, its move lost); moved to ${email.processedMailbox}`);
      break;
    case 'refused':
      logger.warn(`${where}: report refused (${scrubText(outcome.reason)}); moved to ${email.failedMailbox}`);
      await move(email.failedMailbox);
      return 'moved';
    default:
      return assertNever(outcome);
  }
  await move(email.processedMailbox);
  return 'moved';
}
