import {
  FieldError,
  finish,
  instant,
  normalizing,
  object,
  optionalText,
  severityFrom,
  stableHash,
  type NormalizeContext,
  type RequestContext,
  type Normalized,
} from './normalize-kit.js';

/**
 * Mirth / NextGen Connect alert, as an alert action's JSON template renders it from the alert
 * variables (alertId, alertName, serverId, date, channelId, channelName, error, errorMessage, and
 * in newer builds errorType, connectorName, messageId). The error text is where message content
 * leaks into alerts, so only its scrubbed first line is kept.
 */
export function normalizeMirth(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const alert = object(body, 'body');
    const field = (name: string) => optionalText(alert[name], name);
    const channelName = field('channelName');
    const channelId = field('channelId');
    if (!channelName && !channelId) throw new FieldError('channelName', 'channelName or channelId is required');
    const error = field('error');
    const errorMessage = field('errorMessage');
    const said = errorMessage && errorMessage !== 'No exception message.' ? errorMessage : (error ?? errorMessage);
    if (!said) throw new FieldError('error', 'error or errorMessage is required');
    const serverId = field('serverId');
    const messageId = field('messageId');
    const errorType = field('errorType');
    const errorKind = errorTypeCode(errorType);
    const date = field('date');
    // The message id makes an alert unique per message; without it, the same alert text for the
    // same channel at the same time is the same event (a re-sent alert).
    const id = messageId
      ? `${channelId ?? channelName}:${messageId}:${stableHash(errorType, said).slice(0, 8)}`
      : stableHash(serverId, field('alertId'), channelId ?? channelName, errorType, error, errorMessage, date ?? field('systemTime'));
    return {
      events: [
        finish(
          {
            id,
            kind: 'interface',
            source: { type: 'mirth', system: serverId ? `mirth-${serverId}` : 'mirth' },
            occurredAt: occurredAt(date, request) ?? request.receivedAtIso,
            status: 'firing',
            severity: severityFrom(field('severity'), 'high'),
            system: channelName ?? channelId ?? 'mirth',
            symptom: firstLine(said),
            errorSignature: nackCode(`${error ?? ''}\n${said}`) ?? errorKind ?? exceptionClass(error ?? said) ?? field('alertName'),
            facility: field('facility'),
            department: field('department'),
            labels: { channelId, connector: field('connectorName'), errorType: errorKind, alertname: field('alertName') },
          },
          request,
        ),
      ],
    };
  });
}

/**
 * Mirth's `date` is whatever the template made of a DateTool: use it only when it is a real time,
 * and refuse one outside corral's range (instant) like any date.
 */
function occurredAt(date: string | undefined, request: RequestContext): string | undefined {
  if (!date) return undefined;
  const time = Date.parse(date);
  return Number.isNaN(time) ? undefined : instant(time, 'date', request);
}

// Mirth's error types (its ErrorEventType names), as its alerts spell them. Label values and the
// signature a label value is are kept as codes, so "Destination Connector" would be a token: the
// known types become their code ("destination-connector"); anything else is judged like any label.
const ERROR_TYPES = new Set([
  'any', 'source connector', 'destination connector', 'serializer', 'source filter/transformer',
  'destination filter/transformer', 'response transformer', 'user defined transformer', 'attachment handler',
]);

function errorTypeCode(errorType: string | undefined): string | undefined {
  if (errorType === undefined) return undefined;
  const words = errorType.trim().toLowerCase().replace(/[\s_]+/g, ' ');
  return ERROR_TYPES.has(words) ? words.replace(/[ /]/g, '-') : errorType;
}

function firstLine(text: string): string {
  return text.split(/\r\n|\r|\n/).find((line) => line.trim() !== '') ?? text;
}

/**
 * The NACK a response-validation alert reports, as the HL7 adapter names the same NACK
 * (`AE HL70357:103`): "MSA-1 was AE … ERR-3: 103^Table value not found^HL70357". The engine's
 * alert and the receiving system's own NACK are one problem, and only a code they share makes them
 * one signature. Only a table-0357 code counts: an ack code alone says too little to join on.
 */
function nackCode(text: string): string | undefined {
  // ERR-3 (`103^Table value not found^HL70357`) or, before v2.5, ERR-1's subcomponents (`204&…&HL70357`).
  const code = /\b(\d{3})[\^&][^^&\r\n]*[\^&]HL70357\b/i.exec(text)?.[1];
  if (!code) return undefined;
  const ack = /\bMSA-1\b\D{0,12}\b(AE|AR|CE|CR)\b/.exec(text)?.[1] ?? 'AE';
  return `${ack} HL70357:${code}`;
}

/** "com.mirth…DestinationException: …" → "DestinationException": stable across messages. */
function exceptionClass(text: string): string | undefined {
  return /\b(?:[a-z_$][\w$]*\.)*([A-Z][\w$]*(?:Exception|Error))\b/.exec(text)?.[1];
}
