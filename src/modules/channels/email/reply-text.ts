// What a person wrote in an e-mail, without what their mail program added: the message they
// replied to (quoted, or below an "On … wrote:" or Outlook's "From: … Sent: …" header), their
// signature and the organisation's disclaimer. Easy cases only: anything not recognised is kept,
// and the privacy filter and the length limit still apply to it.

/** A line where the earlier message, the signature or the disclaimer begins: it and what follows are dropped. */
const CUT_AT: RegExp[] = [
  // RFC 3676 signature delimiter ("-- "), and the bare "--" many clients write.
  /^--\s*$/,
  /^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|forwarded message)\s*-{2,}/i,
  // Outlook's separator above the quoted header block.
  /^_{10,}\s*$/,
  // Gmail, Apple Mail, Thunderbird: "On Mon, 24 Nov 2026 at 07:00, Kim <kim@…> wrote:", "Am … schrieb Kim <kim@…>:"
  // (may wrap onto a second line, below).
  /^(on|am|le|el|op)\s.{0,200}\b(wrote|schrieb|a écrit|escribió|schreef)(\s.{0,200})?:\s*$/i,
  /^sent from my \w+/i,
  /^get outlook for \w+/i,
  /^(confidentiality notice|confidential(ity)?:|this (e-?mail|message)(,? including any attachments,?)? (is|may contain|contains) (confidential|privileged|intended))/i,
];

/** Outlook's quoted header: "From: …" followed by "Sent: …" or "Date: …" within the next two lines. */
const OUTLOOK_FROM = /^\*?(from|von|de|van)\s*:\*?\s/i;
const OUTLOOK_SENT = /^\*?(sent|date|gesendet|envoyé|enviado|verzonden)\s*:\*?\s/i;
/** A first line of "On … at …, Kim <kim@…>" whose "wrote:" wrapped onto the next line. */
const WROTE_WRAPPED = /^(wrote|schrieb|a écrit|escribió|schreef)\s*:\s*$/i;

/** A sign-off ("Thanks,", "Kind regards") near the end: it and the name and extension under it are the signature. */
const SIGN_OFF = /^(thanks( again)?|thank you|many thanks|thx|regards|kind regards|best regards|warm regards|best|cheers|sincerely|mfg|viele grüße|cordialement)\s*[,.!]?$/i;
const SIGNATURE_LINES = 6;

export function replyText(body: string): string {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').trimEnd();
    const next = (lines[i + 1] ?? '').trim();
    if (CUT_AT.some((cut) => cut.test(line.trim()))) break;
    if (/^(on|am|le|el|op)\s/i.test(line.trim()) && WROTE_WRAPPED.test(next)) break;
    if (OUTLOOK_FROM.test(line.trim()) && [next, (lines[i + 2] ?? '').trim()].some((l) => OUTLOOK_SENT.test(l))) break;
    // Quoted lines of the earlier message, where the reply was written above or between them.
    if (/^\s*>/.test(line)) continue;
    kept.push(line);
  }
  while (kept.length > 0 && kept.at(-1)?.trim() === '') kept.pop();
  const signOff = kept.findIndex((line, i) => i >= kept.length - SIGNATURE_LINES && SIGN_OFF.test(line.trim()));
  return (signOff > 0 ? kept.slice(0, signOff) : kept).join('\n').trim();
}
