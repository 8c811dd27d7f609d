import { createParamDecorator, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import { ApiProperty, ApiSchema, type SchemaObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { instant, int, obj } from '../http/openapi-schema.js';
import { Inbox, type Freshness } from './inbox.service.js';

/**
 * Freshness of what the API reads (issue #23): read models trail the inbox, so every GET under
 * /v1 says how far correlation had come when it was answered, and the answers people watch (the
 * incident list, blast radius, the dashboard's frame) carry the same figures as `asOf`.
 */

/** The headers, in the order answers carry them; CORS exposes them (bootstrap.ts). */
export const FRESHNESS_HEADERS = ['Corral-As-Of', 'Corral-Inbox-Position', 'Corral-Inbox-Pending'] as const;

/** An answer with its freshness; `asOf` is left out with CORRAL_CLUSTER=on, where JetStream's partition streams are the log. */
export type WithAsOf<T> = T & { asOf?: Freshness };

type FreshRequest = FastifyRequest & { asOf?: Freshness };

/**
 * Reads the inbox's freshness once per GET under /v1 — from memory, no query — sets the headers,
 * and leaves the reading on the request for the handler's `@AsOf()`, so headers and body say the
 * same thing. Read BEFORE the handler queries: whatever it reads is at least that fresh, never less.
 * An interceptor and not a middleware: it runs after authentication, so a refused caller learns
 * nothing of corral's traffic.
 */
@Injectable()
export class FreshnessInterceptor implements NestInterceptor {
  constructor(private readonly inbox: Inbox) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http' || !this.inbox.enabled) return next.handle();
    const request = context.switchToHttp().getRequest<FreshRequest>();
    if (request.method !== 'GET' || !request.url.startsWith('/v1/')) return next.handle();
    const asOf = this.inbox.freshness();
    request.asOf = asOf;
    const response = context.switchToHttp().getResponse<FastifyReply>();
    response.header('Corral-As-Of', asOf.at);
    response.header('Corral-Inbox-Position', String(asOf.position));
    response.header('Corral-Inbox-Pending', String(asOf.pending));
    return next.handle();
  }
}

/** The freshness FreshnessInterceptor read for this request (undefined where there is none). */
export const AsOf = createParamDecorator((_: unknown, context: ExecutionContext): Freshness | undefined => context.switchToHttp().getRequest<FreshRequest>().asOf);

/** `answer` with `asOf` added (a copy: services may hand out cached answers). */
export async function withAsOf<T extends object>(answer: Promise<T>, asOf: Freshness | undefined): Promise<WithAsOf<T>> {
  const value = await answer;
  return asOf ? { ...value, asOf } : value;
}

const DESCRIPTION = 'How fresh this answer is: the inbox position correlation had reached when it was read, when that was committed, and how many accepted events were still waiting. Absent with CORRAL_CLUSTER=on.';

/** `asOf` for the OpenAPI document (schemas built by hand). */
export const AS_OF_SCHEMA: SchemaObject = {
  ...obj({
    position: int({ description: 'the last inbox position whose effects this answer includes' }),
    at: instant({ description: 'when that position was committed' }),
    pending: int({ description: 'events accepted (202) and not yet correlated' }),
  }),
  description: DESCRIPTION,
};

/** `asOf` for the OpenAPI document (answers described by classes). */
@ApiSchema({ name: 'AsOf', description: DESCRIPTION })
export class AsOfView implements Freshness {
  @ApiProperty({ description: 'the last inbox position whose effects this answer includes' }) position!: number;
  @ApiProperty({ format: 'date-time', description: 'when that position was committed' }) at!: string;
  @ApiProperty({ description: 'events accepted (202) and not yet correlated' }) pending!: number;
}

/** The headers for the OpenAPI document: every GET under /v1 answers with them (openapi.ts). */
export const FRESHNESS_HEADER_DOCS = {
  'Corral-As-Of': { description: 'when correlation last committed: this answer includes everything correlated up to then', schema: { type: 'string', format: 'date-time' } },
  'Corral-Inbox-Position': { description: 'the inbox position correlation had reached when this answer was read', schema: { type: 'integer', minimum: 0 } },
  'Corral-Inbox-Pending': { description: 'events accepted (202) and not yet correlated', schema: { type: 'integer', minimum: 0 } },
} as const;
