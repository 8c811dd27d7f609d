import { parse as parseForm } from 'node:querystring';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { depthExceeds } from '../../correlation/scrub.js';
import { MAX_DEPTH } from '../ingest/limits.js';
import { InvalidInputError } from './domain-errors.js';

/** Content types HL7 v2 text arrives with; ER7 is the pipe-delimited encoding. */
export const HL7_TYPES = ['x-application/hl7-v2+er7', 'application/hl7-v2+er7', 'application/hl7-v2', 'text/plain', 'text/hl7'];

const HL7_ROUTE = '/v1/ingest/hl7';
/**
 * The JSON ingest routes (ingest/ingest.routes.ts): their body is handed to the ingest services as
 * its raw bytes, parsed there (ingest/json-body.ts, with this parser's semantics), so that parsing
 * can move off the event loop. HL7 is text, and parsed JSON there is refused as today.
 */
const RAW_JSON_ROUTES = new Set(['/v1/events', '/v1/ingest/pagerduty', '/v1/ingest/okta', '/v1/ingest/:source']);
const NATIVE_ROUTES = '/v1/ingest/';
const SIGN_IN_ROUTE = '/dashboard/session';
const FHIR_ROUTES = '/v1/channels/fhir/';
/**
 * Slack and Teams sign the body's exact bytes: their routes get the raw Buffer (JSON or form) and
 * verify the signature before parsing it themselves (channels/chat/).
 */
const SIGNED_ROUTES = '/v1/channels/slack/';
const TEAMS_ROUTE = '/v1/channels/teams/messages';
const takesSignedBody = (request: FastifyRequest) => request.method === 'POST' && (routeUnder(request, SIGNED_ROUTES) || routeIs(request, TEAMS_ROUTE));
/** The sign-in form holds one key; anything longer is not a sign-in. */
const SIGN_IN_FORM_LIMIT = 2 * 1024;
/**
 * Any form corral reads: the sign-in form, or a Slack slash command (a few hundred bytes). Forms
 * arrive without credentials in a header, so they are held small before anything checks them.
 */
const FORM_LIMIT = 16 * 1024;

/** HTTP_BODY_LIMIT (`512kb`, `1mb`, validated at boot) in bytes, with body-parser's 1024 multiples. */
export function bodyLimitBytes(limit: string): number {
  const match = /^(\d+)(kb|mb)$/.exec(limit);
  if (!match) throw new Error(`HTTP_BODY_LIMIT ${limit} is not a size such as 512kb or 1mb`);
  return Number(match[1]) * (match[2] === 'mb' ? 1024 * 1024 : 1024);
}

const routeIs = (request: FastifyRequest, route: string) => !request.is404 && request.routeOptions.url === route;
const routeUnder = (request: FastifyRequest, prefix: string) => !request.is404 && (request.routeOptions.url ?? '').startsWith(prefix);
const takesRawJson = (request: FastifyRequest) => request.method === 'POST' && !request.is404 && RAW_JSON_ROUTES.has(request.routeOptions.url ?? '');

/**
 * Fastify's own JSON parser (bodyLimit from HTTP_BODY_LIMIT) reads application/json on every route
 * but the JSON ingest routes, which get the body's bytes (RAW_JSON_ROUTES above).
 * The other types are read where a route takes them, as the per-route Express parsers did: HL7 v2
 * text on the HL7 route, `application/*+json` (SCIM) on the native routes, the dashboard's sign-in
 * form on its session route. Anywhere else, or any other content type, the route sees no body
 * (undefined) and says what it expected, instead of Fastify's bare 415.
 *
 * JSON keeps JSON.parse's semantics: a `__proto__` key is data, as it was with Express (Fastify's
 * default refuses it with 400); corral never merges a body into another object.
 */
export function registerBodyParsers(instance: FastifyInstance, bodyLimit: number): void {
  const parse = instance.getDefaultJsonParser('ignore', 'ignore');
  // Every route's JSON is held to the ingest routes' depth (ingest/limits.ts): a body nested
  // thousands deep would otherwise reach validation, whose recursion it exhausts (a 500).
  const json: typeof parse = (request, text, done) =>
    parse(request, text, (error, value) => (error ? done(error) : depthExceeds(value, MAX_DEPTH) ? done(new InvalidInputError(`the body nests deeper than ${MAX_DEPTH} levels`), undefined) : done(null, value)));
  instance.removeContentTypeParser(['application/json', 'text/plain']);
  // Read as bytes for every route: a JSON ingest route takes them as they are, the others get them parsed as before.
  instance.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (request, body, done) =>
    takesRawJson(request) || takesSignedBody(request) ? done(null, body) : json(request, body.toString('utf8'), done),
  );
  instance.addContentTypeParser(/^application\/[\w.+-]+\+json$/, { parseAs: 'buffer', bodyLimit }, (request, body, done) => {
    // SCIM on the native routes; FHIR (application/fhir+json) on the Subscription notification routes.
    if (!routeUnder(request, NATIVE_ROUTES) && !routeUnder(request, FHIR_ROUTES)) return done(null, undefined);
    return takesRawJson(request) ? done(null, body) : json(request, body.toString('utf8'), done);
  });
  instance.addContentTypeParser(HL7_TYPES, { parseAs: 'string', bodyLimit }, (request, body, done) => done(null, routeIs(request, HL7_ROUTE) ? body : undefined));
  instance.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer', bodyLimit: FORM_LIMIT }, (request, body, done) => {
    // A slash command's form, signed: its bytes as they came.
    if (takesSignedBody(request)) return done(null, body);
    // Node's querystring, as body-parser's `extended: false`: flat string fields, no nesting.
    if (!routeIs(request, SIGN_IN_ROUTE)) return done(null, undefined);
    if (body.length > SIGN_IN_FORM_LIMIT) return done(Object.assign(new Error('the sign-in form is larger than a key'), { statusCode: 413 }), undefined);
    return done(null, { ...parseForm(body.toString('utf8')) });
  });
  instance.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, _body, done) => done(null, undefined));
}
