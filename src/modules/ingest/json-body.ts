import { InvalidInputError } from '../http/domain-errors.js';

/** What Fastify's refusal of an unreadable JSON body has always been answered with (ApiExceptionFilter). */
export const INVALID_JSON_MESSAGE = 'the body is not valid JSON';

/**
 * A JSON body that is empty or does not parse: the 400 an ingest route gave when Fastify's parser
 * refused it (FST_ERR_CTP_INVALID_JSON_BODY / EMPTY_JSON_BODY), now raised where the body is parsed.
 * Its own class so a route that answers in a tool's terms (PagerDuty) can still tell it apart.
 */
export class InvalidJsonError extends InvalidInputError {
  constructor() {
    super(INVALID_JSON_MESSAGE);
  }
}

/** A request body as its raw bytes: what a JSON ingest route may hand over instead of a parsed value. */
export type RawJson = Uint8Array;

export function isRawJson(body: unknown): body is RawJson {
  return body instanceof Uint8Array;
}

/**
 * The value of a raw JSON body, with the semantics Fastify's default parser gave the ingest routes
 * (body-parsers.ts): UTF-8 decoded with U+FFFD for bytes that are not (the adapters refuse those),
 * a leading BOM skipped (secure-json-parse does), and plain JSON.parse, so a `__proto__` key is data.
 */
export function parseJsonBody(bytes: RawJson): unknown {
  if (bytes.byteLength === 0) throw new InvalidJsonError();
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    // Never the parser's message: it may quote the body, which may hold what the privacy filter removes.
    throw new InvalidJsonError();
  }
}

/** A body that may be raw bytes: parsed when it is, as it is otherwise (a value Fastify parsed, HL7 text). */
export function bodyValue(body: unknown): unknown {
  return isRawJson(body) ? parseJsonBody(body) : body;
}
