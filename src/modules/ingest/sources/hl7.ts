import type { CanonicalEvent, Severity } from '../../../correlation/canonical-event.js';
import { isLabelCode, keptAsNativeCode } from '../../../correlation/privacy.js';
import { FieldError, finish, instant, normalizing, stableHash, type NormalizeContext, type RequestContext, type Normalized } from './normalize-kit.js';

const ERROR_CODES = new Set(['AE', 'AR', 'CE', 'CR']);
const ACCEPT_CODES = new Set(['AA', 'CA']);

/** One HL7 v2 message: its segments, each split into fields with the message's own separator. */
interface Message {
  segments: Map<string, string[][]>;
  component: string;
  subcomponent: string;
  /** Turns HL7 escape sequences back into the text they stand for, with this message's own MSH-2 characters. */
  decode: (value: string) => string;
}

/**
 * HL7 v2 ACK/NACK text (ER7). MSA-1 AE/AR/CE/CR become interface events; AA/CA are ignored.
 * Only MSH, MSA and ERR are read: PID, PV1 and every other segment are never looked at, so room,
 * bed and patient content cannot reach an event. Several messages in one body (a batch, or MLLP
 * frames) each count on their own.
 */
export function normalizeHl7(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    if (typeof body !== 'string' || body.trim() === '') throw new FieldError('body', 'must be HL7 v2 message text');
    const messages = splitMessages(body);
    if (messages.length === 0) throw new FieldError('MSH', 'no MSH segment: not an HL7 v2 message');
    const events: CanonicalEvent[] = [];
    let ignored = 0;
    messages.forEach((text, index) => {
      const event = nackEvent(parse(text, messages.length > 1 ? `messages[${index}].` : ''), request, messages.length > 1 ? `messages[${index}].` : '');
      if (event) events.push(event);
      else ignored += 1;
    });
    return { events, ignored };
  });
}

function splitMessages(body: string): string[] {
  // MLLP framing (VT … FS CR) and batch envelopes (FHS/BHS/BTS/FTS) carry no meaning here.
  const segments = body.replaceAll('\x0b', '\r').replaceAll('\x1c', '\r').split(/\r\n|\r|\n/).map((s) => s.trim()).filter(Boolean);
  const messages: string[][] = [];
  for (const segment of segments) {
    if (segment.startsWith('MSH')) messages.push([segment]);
    else if (!/^(FHS|BHS|BTS|FTS)\b/.test(segment)) messages[messages.length - 1]?.push(segment);
  }
  return messages.map((m) => m.join('\r'));
}

function parse(text: string, at: string): Message {
  const separator = text.charAt(3);
  if (!separator || /[\w\s]/.test(separator)) throw new FieldError(`${at}MSH-1`, 'must be the field separator');
  const encoding = text.slice(4, 8);
  const segments = new Map<string, string[][]>();
  for (const line of text.split('\r')) {
    const name = line.slice(0, 3);
    // MSH-1 is the separator itself, so MSH fields are shifted by one against other segments.
    const fields = name === 'MSH' ? ['MSH', separator, ...line.slice(4).split(separator)] : line.split(separator);
    segments.set(name, [...(segments.get(name) ?? []), fields]);
  }
  const component = encoding.charAt(0) || '^';
  const subcomponent = encoding.charAt(3) || '&';
  return { segments, component, subcomponent, decode: unescaper(encoding.charAt(2) || '\\') };
}

/**
 * HL7 v2 escape sequences (v2.5 §2.7): `\F\ \S\ \T\ \R\ \E\` stand for the delimiters, `\Xhh…\` for
 * bytes, `\H\ \N\` and `\.br\`-style commands for formatting, `\C…\ \M…\ \Z…\` for character sets.
 * Decoded before the privacy filter sees the text: "MRN\F\ 12345" is "MRN| 12345" to a reader
 * and must be to the scrubber too. Written by hand: no maintained HL7 library for Node decodes
 * them without also parsing the whole message into its own model. The escape character is the
 * message's own (MSH-2); a delimiter comes back as HL7's standard one (`|^&~\\`), the notation
 * readers and the scrubber's name patterns ("SANFORD^CAROLEE") know, whatever the sender chose.
 */
function unescaper(escape: string): (value: string) => string {
  if (!escape) return (value) => value;
  const e = escape.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const sequence = new RegExp(`${e}([^${e}\\r]{1,64})${e}`, 'g');
  return (value) =>
    value.includes(escape)
      ? value.replace(sequence, (whole, body: string) => {
          switch (body.charAt(0)) {
            case 'F': return body.length === 1 ? '|' : whole;
            case 'S': return body.length === 1 ? '^' : whole;
            case 'T': return body.length === 1 ? '&' : whole;
            case 'R': return body.length === 1 ? '~' : whole;
            case 'E': return body.length === 1 ? '\\' : whole;
            case 'X': return /^X(?:[0-9A-Fa-f]{2})+$/.test(body) ? Buffer.from(body.slice(1), 'hex').toString('utf8') : whole;
            case 'H':
            case 'N': return body.length === 1 ? '' : whole;
            case '.': return ' ';
            case 'C':
            case 'M':
            case 'Z': return '';
            default: return whole;
          }
        })
      : value;
}

function nackEvent(message: Message, request: RequestContext, at: string): CanonicalEvent | undefined {
  const msh = message.segments.get('MSH')?.[0] ?? [];
  const msa = message.segments.get('MSA')?.[0];
  if (!msa) throw new FieldError(`${at}MSA`, 'missing: only ACK/NACK messages (with an MSA segment) are accepted');
  const code = (msa[1] ?? '').trim().toUpperCase();
  if (ACCEPT_CODES.has(code)) return undefined;
  if (!ERROR_CODES.has(code)) throw new FieldError(`${at}MSA-1`, 'must be an acknowledgment code (AA, AE, AR, CA, CE, CR)');

  const part = (value: string | undefined, index: number) => message.decode((value ?? '').split(message.component)[index] ?? '').trim() || undefined;
  const sendingApp = part(msh[3], 0);
  const sendingFacility = part(msh[4], 0);
  const messageType = (msh[9] ?? '').split(message.component).filter(Boolean).map(message.decode).join('^') || undefined;
  const controlId = msh[10] === undefined ? undefined : message.decode(msh[10]).trim();
  const version = part(msh[12], 0);
  const err = message.segments.get('ERR')?.[0] ?? [];
  const problem = errorOf(err, message);
  const system = sendingApp ?? 'unknown';
  return finish(
    {
      id: `hl7:${sendingApp ?? ''}:${sendingFacility ?? ''}:${controlId ?? stableHash(msh, msa)}:${msa[2]?.trim() ?? ''}:${code}`,
      kind: 'interface',
      source: { type: 'hl7', system: sendingFacility ? `${system}@${sendingFacility}` : system },
      occurredAt: hl7Time(msh[7], `${at}MSH-7`, request) ?? request.receivedAtIso,
      status: 'firing',
      severity: problem.severity ?? (code.endsWith('R') ? 'high' : 'medium'),
      system,
      facility: sendingFacility,
      // Composed from fields kept as codes: they are named here only as they will be kept, so a
      // name in MSH-3 or MSH-9 does not reach the symptom while its token stands in `system`.
      symptom: `HL7 ${code === 'AR' || code === 'CR' ? 'reject' : 'error'} (${code}) from ${keptAsNativeCode(system) ? system : 'the sending application'}${messageType && isLabelCode(messageType) ? ` on ${messageType}` : ''}: ${problem.text ?? part(msa[3], 0) ?? 'no error text'}`,
      errorSignature: problem.code ? `${code} ${problem.code}` : code,
      labels: { messageType, ackCode: code, hl7Version: version, errorLocation: problem.location },
    },
    request,
  );
}

interface Problem {
  code?: string | undefined;
  text?: string | undefined;
  severity?: Severity | undefined;
  location?: string | undefined;
}

/**
 * ERR in v2.5+: ERR-2 location, ERR-3 HL7 error code (CWE), ERR-4 severity, ERR-5 application
 * error, ERR-8 user message. Before v2.5 all of it sat in ERR-1 as `segment^seq^field^code&text&table`.
 */
function errorOf(err: string[], message: Message): Problem {
  const comps = (value: string | undefined) => (value ?? '').split(message.component).map(message.decode);
  if ((err[3] ?? '') !== '' || (err[2] ?? '') !== '') {
    const [id, text, table] = comps(err[3]);
    const [appId, appText] = comps(err[5]);
    return {
      code: id ? `${table ? `${table}:` : ''}${id}` : undefined,
      text: (err[8] === undefined ? '' : message.decode(err[8]).trim()) || appText || text || undefined,
      severity: ERR_SEVERITY[(err[4] ?? '').trim().toUpperCase()],
      location: comps(err[2])[0] || undefined,
      ...(appId && !id ? { code: appId } : {}),
    };
  }
  const legacy = (err[1] ?? '').split(message.component);
  // Split on the subcomponent separator first: an escaped "\T\" inside the text is not one.
  const [code, text, table] = (legacy[3] ?? '').split(message.subcomponent).map(message.decode);
  return { code: code ? `${table ? `${table}:` : ''}${code}` : undefined, text: text || undefined, location: legacy[0] ? message.decode(legacy[0]) : undefined };
}

const ERR_SEVERITY: Record<string, Severity> = { F: 'critical', E: 'high', W: 'medium', I: 'info' };

/** HL7 DTM `YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]`; without a zone it is taken as UTC. */
function hl7Time(value: string | undefined, field: string, request: RequestContext): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(value?.trim() ?? '');
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', zone] = m;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : 'Z';
  const time = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  return Number.isNaN(time) ? undefined : instant(time, field, request);
}
