import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ConflictError, InvalidInputError, NotFoundError, TooLargeError, TooManyRequestsError, UnavailableError, type DomainError } from './domain-errors.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  details?: unknown;
}

/** Every error leaves as `{ statusCode, error, message, details? }` (DESIGN §9). */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toBody(exception);
    if (exception instanceof UnavailableError || exception instanceof TooManyRequestsError) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    if (body.statusCode >= 500) this.logger.error(exception instanceof Error ? exception.stack : String(exception));
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown): ErrorBody {
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
    return { statusCode: 500, error: 'Internal Server Error', message: 'unexpected error; see the server log' };
  }
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

/**
 * An error answered by Express middleware, which runs before Nest's filters can reach it, in the
 * same shape. On a connection that closes: the rest of the request is not wanted.
 */
export function refuseEarly(response: Response, statusCode: number, message: string, headers: Record<string, string> = {}): void {
  response.setHeader('connection', 'close');
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  const body: ErrorBody = { statusCode, error: reasonPhrase(statusCode), message };
  response.status(statusCode).json(body);
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
  return exception instanceof HttpException ? exception.getStatus() : 500;
}
