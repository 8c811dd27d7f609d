import { simpleParser, type HeaderValue, type ParsedMail } from 'mailparser';

/** What corral reads of an e-mail: its identity, its sender, its words, and the headers that mark it as automatic. */
export interface EmailMessage {
  /** Without angle brackets. */
  messageId?: string;
  inReplyTo?: string;
  /** The thread's message ids, oldest first, without angle brackets. */
  references: string[];
  /** The From address (the first, when a message names several). */
  from?: string;
  subject: string;
  /** The body as plain text, derived from the HTML when the message has no text part. */
  text: string;
  /** Attachments counted, never read. */
  attachments: number;
  date?: Date;
  /** Lower-case header name → its value as sent, for the headers that tell an automatic message. */
  headers: Record<string, string>;
}

/** The headers an automatic reply, a bounce or a bulk message is known by (email-report.ts). */
const MARKERS = ['auto-submitted', 'x-autoreply', 'x-autorespond', 'precedence', 'return-path', 'content-type'];

const OPTIONS = { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, keepCidLinks: false } as const;

/**
 * Parses a raw message (RFC 5322, MIME) into what corral reads of it. Text is decoded whatever the
 * transfer encoding and character set, so the privacy filter sees the words a person wrote.
 */
export async function readEmail(source: Buffer | string): Promise<EmailMessage> {
  const mail = await simpleParser(source, OPTIONS);
  const headers: Record<string, string> = {};
  for (const name of MARKERS) {
    const value = headerText(mail.headers.get(name));
    if (value !== undefined) headers[name] = value;
  }
  const messageId = bare(mail.messageId);
  const inReplyTo = bare(mail.inReplyTo);
  const from = mail.from?.value.find((a) => a.address)?.address?.trim();
  return {
    ...(messageId ? { messageId } : {}),
    ...(inReplyTo ? { inReplyTo } : {}),
    references: [mail.references ?? []].flat().flatMap((r) => r.split(/\s+/)).map(bare).filter((r): r is string => r !== undefined),
    ...(from ? { from } : {}),
    subject: mail.subject?.trim() ?? '',
    text: await bodyText(mail),
    attachments: mail.attachments.filter((a) => a.contentDisposition !== 'inline' || !a.related).length,
    ...(mail.date && !Number.isNaN(mail.date.getTime()) ? { date: mail.date } : {}),
    headers,
  };
}

/**
 * mailparser turns HTML into text only when the HTML is the body itself; an HTML part beside an
 * attachment (multipart/mixed, as phones send a screenshot) keeps no text. That HTML is parsed as a
 * message of its own, so mailparser's converter gives its words.
 */
async function bodyText(mail: ParsedMail): Promise<string> {
  if (mail.text?.trim()) return mail.text;
  if (typeof mail.html !== 'string' || mail.html.trim() === '') return '';
  const alone = await simpleParser(`Content-Type: text/html; charset=utf-8\r\n\r\n${mail.html}`, OPTIONS);
  return alone.text ?? '';
}

function bare(id: string | undefined): string | undefined {
  const trimmed = id?.trim().replace(/^<+|>+$/g, '').trim();
  return trimmed ? trimmed : undefined;
}

function headerText(value: HeaderValue | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return headerText(value[0]);
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('value' in value && typeof value.value === 'string') return value.value;
  return undefined;
}
