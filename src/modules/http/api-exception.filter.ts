import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { ConflictError, InvalidInputError, NotFoundError, TooLargeError, TooManyRequestsError, UnavailableError, type DomainError } from './domain-errors.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

const logger = new Logger('Http');

/** Every error leaves as `{ statusCode, error, message, details? }` (DESIGN §9). */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    answerError(host.switchToHttp().getResponse<FastifyReply>(), exception);
  }
}

/**
 * Answers `exception` as every corral error is answered. The filter above for Nest's routes; the
 * plain ingest routes' error handler (plain-routes.ts) calls it directly, so both answer alike.
 */
export function answerError(response: FastifyReply, exception: unknown): void {
  const body = clientWentAway(response, exception) ? ABORTED : toBody(exception);
  if (exception instanceof UnavailableError || exception instanceof TooManyRequestsError) response.header('Retry-After', String(exception.retryAfterSeconds));
  if (body.statusCode >= 500) logger.error(exception instanceof Error ? exception.stack : String(exception));
  void response.status(body.statusCode).type('application/json; charset=utf-8').send(body);
}

/**
 * The caller closed the connection while its body was being read (a client that gave up, or one
 * refused before its body was read that then hung up): nobody is left to answer, and it is not
 * corral's error to log with a stack at error level. The access line still says 'request aborted'.
 */
const ABORTED: ErrorBody = { statusCode: 400, error: 'Bad Request', message: 'the request was aborted before its body arrived' };

function clientWentAway(response: FastifyReply, exception: unknown): boolean {
  // `request` is there on a Fastify reply; a filter may also be handed Node's bare response.
  if ((response as Partial<FastifyReply>).request?.raw.readableAborted === true) return true;
  const { code, message } = (exception ?? {}) as { code?: unknown; message?: unknown };
  return code === 'ECONNRESET' && message === 'aborted';
}

function toBody(exception: unknown): ErrorBody {
  if (isDomainError(exception)) return fromDomain(exception);
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const raw = typeof response === 'string' ? { message: response } : (response as { message?: unknown; details?: unknown });
    // ValidationPipe reports a list of messages; keep them as details and summarise in message.
    const list = Array.isArray(raw.message) ? (raw.message as string[]) : undefined;
    return {
      statusCode: status,
      error: reasonPhrase(status),
      message: list ? list.join('; ') : typeof raw.message === 'string' ? raw.message : exception.message,
      ...(list ? { details: list } : raw.details !== undefined ? { details: raw.details } : {}),
    };
  }
  const refused = fromFastify(exception);
  if (refused) return refused;
  return { statusCode: 500, error: 'Internal Server Error', message: 'unexpected error; see the server log' };
}

/**
 * What Fastify refuses before a route runs (its errors carry a 4xx `statusCode` and an FST_ code):
 * a body it cannot parse or that is over HTTP_BODY_LIMIT. Messages are corral's own: a parser's
 * message may quote the body, and the body may hold what the privacy filter exists to remove.
 */
function fromFastify(exception: unknown): ErrorBody | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { statusCode, code } = exception as Error & { statusCode?: unknown; code?: unknown };
  if (typeof statusCode !== 'number' || statusCode < 400 || statusCode >= 500 || typeof code !== 'string' || !code.startsWith('FST_')) return undefined;
  const message =
    code === 'FST_ERR_CTP_BODY_TOO_LARGE'
      ? 'the request body is larger than HTTP_BODY_LIMIT; nothing of it was kept'
      : code === 'FST_ERR_CTP_INVALID_JSON_BODY' || code === 'FST_ERR_CTP_EMPTY_JSON_BODY'
        ? 'the body is not valid JSON'
        : exception.message;
  return { statusCode, error: reasonPhrase(statusCode), message };
}

function isDomainError(value: unknown): value is DomainError {
  return value instanceof InvalidInputError || value instanceof TooLargeError || value instanceof NotFoundError || value instanceof ConflictError || value instanceof TooManyRequestsError || value instanceof UnavailableError;
}

function fromDomain(error: DomainError): ErrorBody {
  switch (error.kind) {
    case 'invalid-input':
      return { statusCode: 400, error: 'Bad Request', message: error.message, ...(error.details !== undefined ? { details: error.details } : {}) };
    case 'too-large':
      return { statusCode: 413, error: 'Payload Too Large', message: error.message };
    case 'not-found':
      return { statusCode: 404, error: 'Not Found', message: error.message };
    case 'conflict':
      return { statusCode: 409, error: 'Conflict', message: error.message };
    case 'too-many-requests':
      return { statusCode: 429, error: 'Too Many Requests', message: error.message };
    case 'unavailable':
      return { statusCode: 503, error: 'Service Unavailable', message: error.message };
    default:
      return assertNever(error);
  }
}

const refusedEarly = new WeakSet<IncomingMessage>();

/**
 * An error answered by an edge hook (bootstrap.ts), before the body is read and before Nest's
 * filters can reach it, in the same shape. On a connection that closes: the rest of the request is
 * not wanted.
 */
export function refuseEarly(reply: FastifyReply, statusCode: number, message: string, headers: Record<string, string> = {}): void {
  refusedEarly.add(reply.request.raw);
  reply.header('connection', 'close');
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  const body: ErrorBody = { statusCode, error: reasonPhrase(statusCode), message };
  void reply.code(statusCode).type('application/json; charset=utf-8').send(body);
}

/** Whether an edge hook refused this request: no route answered it, though its path names one. */
export function wasRefusedEarly(request: IncomingMessage): boolean {
  return refusedEarly.has(request);
}

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  return typeof name === 'string' ? name.toLowerCase().split('_').map((w) => w[0]?.toUpperCase() + w.slice(1)).join(' ') : 'Error';
}

function assertNever(value: never): never {
  throw new Error(`unhandled domain error ${JSON.stringify(value)}`);
}

/** The status an exception will be answered with, for whoever must know before this filter runs (the audit trail). */
export function statusOf(exception: unknown): number {
  if (isDomainError(exception)) return fromDomain(exception).statusCode;
  return exception instanceof HttpException ? exception.getStatus() : (fromFastify(exception)?.statusCode ?? 500);
}
