import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject, type OperationObject, type ResponsesObject } from '@nestjs/swagger';
import { accessFor, type RouteAccess } from '../auth/access-matrix.js';
import { FRESHNESS_HEADER_DOCS } from '../inbox/freshness.js';
import { API_ERROR, API_ERROR_REF } from './openapi-schema.js';

/** The security scheme every operation but the probes references; @ApiBearerAuth() uses the same name. */
export const BEARER = 'bearer';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'] as const;

/**
 * /docs (Swagger UI, with an Authorize button for a key) and /docs-json, /docs-yaml. Built on first
 * request, from the controllers' decorators; who may call what and the errors every route shares
 * are added from the one place that decides them (the access matrix, the exception filter), so the
 * document cannot drift from the guard.
 */
export function setUpOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('corral')
    .setDescription(
      'Incident correlator for hospital IT: one parent ticket per incident.\n\n' +
        'Authorize with an API key (`corral keys create --role …`) or an OIDC access token, sent as `Authorization: Bearer <key>`. ' +
        'Each operation lists the roles that may call it; the health probes need none.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key or OIDC token' }, BEARER)
    .build();
  SwaggerModule.setup('docs', app, () => completeDocument(SwaggerModule.createDocument(app, config)), { customSiteTitle: 'corral API' });
}

/** Adds to every operation its security (from the access matrix) and the error answers it can give. */
export function completeDocument(document: OpenAPIObject): OpenAPIObject {
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ApiError: API_ERROR } };
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const access = accessFor(method, path.replace(/\{([^}]+)\}/g, ':$1'));
      if (access) describeAccess(operation, access);
      if (method === 'get' && path.startsWith('/v1/')) addFreshnessHeaders(operation);
      addErrors(operation, path, access);
    }
  }
  closeRequestSchemas(document);
  return document;
}

/**
 * corral's own request bodies (the canonical event, commands) refuse unknown fields
 * (forbidNonWhitelisted): their schemas say so. Only the classes reached from a request body;
 * answers stay open, so that a field added to one does not break a client. The tools' native
 * payloads are inline schemas, open on purpose.
 */
function closeRequestSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const seen = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    const ref = (value as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
      const name = ref.slice('#/components/schemas/'.length);
      const schema = schemas[name];
      if (seen.has(name) || !schema) return;
      seen.add(name);
      if ('type' in schema && schema.type === 'object' && schema.additionalProperties === undefined) schema.additionalProperties = false;
      return visit(schema);
    }
    Object.values(value).forEach(visit);
  };
  for (const item of Object.values(document.paths)) for (const method of METHODS) visit(item[method]?.requestBody);
}

function describeAccess(operation: OperationObject, access: RouteAccess): void {
  if (access.roles === 'public') {
    // An empty list: this operation needs no credentials, whatever the document's default.
    operation.security = [];
    return;
  }
  operation.security = [{ [BEARER]: [] }];
  const leadership = access.leadershipView ? ' Leadership gets the minimum-necessary view: people counts below the small-count threshold as "<5".' : '';
  const roles = `Roles: ${access.roles.join(', ')}.${leadership}`;
  operation.description = operation.description ? `${operation.description}\n\n${roles}` : roles;
}

/** Every GET under /v1 says how fresh it is (freshness.ts, one interceptor): documented on its successful answers. */
function addFreshnessHeaders(operation: OperationObject): void {
  for (const [status, response] of Object.entries(operation.responses)) {
    if (!response || !/^2\d\d$/.test(status) || '$ref' in response) continue;
    response.headers = { ...FRESHNESS_HEADER_DOCS, ...response.headers };
  }
}

const answer = (description: string) => ({ description, content: { 'application/json': { schema: API_ERROR_REF } } });

/** The errors corral gives on a route of this shape; a response a controller documented itself is kept. */
function addErrors(operation: OperationObject, path: string, access: RouteAccess | undefined): void {
  const responses: ResponsesObject = operation.responses;
  const add = (status: string, description: string) => {
    responses[status] ??= answer(description);
  };
  const takesInput = (operation.parameters?.length ?? 0) > 0 || operation.requestBody !== undefined;
  if (takesInput) add('400', 'invalid input: the message says what, `details` which fields');
  if (access?.roles === 'public') {
    // A probe without credentials always passes (client-address-limit.ts); one that sends them is counted like any caller.
    add('429', 'only a request that sends credentials, from an address that had too many refused ones; see Retry-After');
  } else {
    add('401', 'no credentials, or a key or token that does not authenticate');
    add('403', 'authenticated, but the role may not call this');
    add('429', 'too many requests: this key\'s limit, corral at capacity, or too many refused ones from this address; see Retry-After');
  }
  if (/\{[^}]+\}/.test(path)) add('404', 'nothing by that id (or no such source)');
  if (operation.requestBody !== undefined) add('413', 'the body is larger than HTTP_BODY_LIMIT, or holds more than corral takes at once');
  add('503', 'corral is stopping, or a dependency does not answer; nothing was done: retry after Retry-After');
}
