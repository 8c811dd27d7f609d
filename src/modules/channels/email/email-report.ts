import { hash } from 'node:crypto';
import { clampText } from '../../ingest/unicode.js';
import type { ChannelReport } from '../channel-intake.js';
import type { EmailMessage } from './email-message.js';
import { replyText } from './reply-text.js';

/** What to do with one message of the shared mailbox. */
export type EmailDecision =
  | { kind: 'report'; report: ChannelReport }
  /** An automatic reply, a bounce, a bulk message: moved to processed, no report, no answer (no mail loop). */
  | { kind: 'automatic'; why: string }
  /** Not a report corral can take: moved to failed, the reason logged (it names no person). */
  | { kind: 'unusable'; why: string };

export interface EmailReportSettings {
  facilityByDomain: Record<string, string>;
  maxChars: number;
}

/** A date further ahead than this is a skewed clock: the report is dated when corral reads it instead. */
const AHEAD_MS = 60 * 60 * 1000;

/**
 * One e-mail as a person's report. One person's messages in one thread are one report: the id is
 * the thread's first message (References, else In-Reply-To, else its own Message-ID) with the
 * sender, so "still frozen" from the same nurse is a repeat of her report (the incident's child
 * counts it, no second child), while a colleague's "same here on 5 East" in that thread is a second
 * reporter. `arrivedAt` is when the mail server took the message (IMAP INTERNALDATE), `now` the
 * reader's clock.
 */
export function decideEmail(message: EmailMessage, settings: EmailReportSettings, arrivedAt: Date | undefined, now: Date): EmailDecision {
  const automatic = automaticReason(message);
  if (automatic) return { kind: 'automatic', why: automatic };
  const sender = message.from?.toLowerCase();
  if (!sender || !/^[^@\s]+@[^@\s]+$/.test(sender)) return { kind: 'unusable', why: 'it has no sender address (From)' };
  const text = reportText(message, settings.maxChars);
  if (text === '') return { kind: 'unusable', why: 'it has neither a subject nor any text' };
  const domain = sender.slice(sender.lastIndexOf('@') + 1);
  const facility = facilityOf(domain, settings.facilityByDomain);
  const occurredAt = [arrivedAt, message.date].find((d) => d !== undefined && !Number.isNaN(d.getTime()) && d.getTime() <= now.getTime() + AHEAD_MS);
  return {
    kind: 'report',
    report: {
      id: `email:${threadRootOf(message, sender)}|${digest(sender)}`,
      channel: 'email',
      via: 'email',
      text,
      requester: sender,
      ...(facility ? { facility } : {}),
      ...(occurredAt ? { occurredAt: occurredAt.toISOString() } : {}),
    },
  };
}

/** The first message of the thread this one belongs to; a message without a Message-ID stands for itself by a digest. */
export function threadRootOf(message: EmailMessage, sender: string): string {
  return message.references[0] ?? message.inReplyTo ?? message.messageId ?? `no-id:${digest(message.date?.toISOString() ?? '', sender, message.subject)}`;
}

/**
 * Why a message is automatic (RFC 3834 Auto-Submitted, the vendors' auto-reply headers, bulk
 * precedence, delivery and read reports, the mail system's own senders), or undefined for a person's.
 */
export function automaticReason(message: EmailMessage): string | undefined {
  const header = (name: string) => message.headers[name]?.trim().toLowerCase();
  const auto = header('auto-submitted');
  if (auto && !auto.startsWith('no')) return `Auto-Submitted: ${auto.split(/[;\s]/)[0] ?? auto}`;
  if (header('x-autoreply') !== undefined || header('x-autorespond') !== undefined) return 'an auto-reply header';
  const precedence = header('precedence');
  if (precedence && ['bulk', 'junk', 'auto_reply', 'auto-reply'].includes(precedence)) return `Precedence: ${precedence}`;
  if (header('content-type')?.startsWith('multipart/report')) return 'a delivery or read report (multipart/report)';
  // The null reverse-path: what the mail system itself sends (bounces, vacation replies).
  if (header('return-path') !== undefined && /^<?\s*>?$/.test(header('return-path') ?? '')) return 'a null return path (<>)';
  const local = message.from?.split('@')[0]?.toLowerCase();
  if (local === 'mailer-daemon' || local === 'postmaster') return `a message from ${local}`;
  return undefined;
}

/**
 * Subject, then what the person wrote (reply quotes, signature and disclaimer dropped), clamped to
 * `maxChars`. Attachments are never read; that there were some is said after the subject, where the
 * canonical event's shorter limit cannot cut it off.
 */
export function reportText(message: EmailMessage, maxChars: number): string {
  const subject = message.subject.replace(/^((re|fw|fwd|aw|wg|sv|vs|tr|antw)\s*(\[\d+\])?\s*:\s*)+/i, '').trim();
  const note = message.attachments === 0 ? '' : `[${message.attachments} attachment${message.attachments === 1 ? '' : 's'} not read]`;
  const head = [subject, note].filter((part) => part !== '').join(' ');
  const body = replyText(message.text);
  return clampText([head, body].filter((part) => part !== '').join('\n'), maxChars);
}

/** The facility of a sender's domain, or of the nearest parent domain listed (`icu.lakeside.example` → `lakeside.example`). */
function facilityOf(domain: string, byDomain: Record<string, string>): string | undefined {
  for (let at = domain; at.includes('.'); at = at.slice(at.indexOf('.') + 1)) {
    const facility = byDomain[at];
    if (facility !== undefined) return facility;
  }
  return undefined;
}

function digest(...parts: string[]): string {
  return hash('sha256', parts.join('\u0000'), 'hex').slice(0, 16);
}
