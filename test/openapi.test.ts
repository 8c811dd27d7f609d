import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIV3 } from 'openapi-types';
import { ACCESS_MATRIX } from '../src/modules/auth/access-matrix.js';
import { apiFetch, canonical, getJson, postJson, useCorralSuite } from './support/harness.js';

type Operation = OpenAPIV3.OperationObject;
type Schema = OpenAPIV3.SchemaObject;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Every operation of a dereferenced document, with its method and path. */
function operationsOf(document: OpenAPIV3.Document): Array<{ method: string; path: string; operation: Operation }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => (item?.[method] ? [{ method, path, operation: item[method] }] : [])),
  );
}

/** What is wrong with a request body's schema, if it does not say what to send (a bare {type: object}). */
function undescribed(schema: Schema, where: string): string[] {
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (alternatives) return alternatives.flatMap((alternative, i) => undescribed(alternative as Schema, `${where}|${i}`));
  if (schema.type === 'array') return undescribed(schema.items as Schema, `${where}[]`);
  if (schema.type === 'string') return [];
  return Object.keys(schema.properties ?? {}).length > 0 ? [] : [`${where}: ${JSON.stringify(schema)}`];
}

/** JSON Schema validation of OpenAPI 3.0 schemas: `nullable` is Ajv's own, `example` and the like are annotations. */
function validatorOf(schema: Schema): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

describe('the OpenAPI document, against a real corral', () => {
  const suite = useCorralSuite({ CORRAL_SMALL_COUNT_THRESHOLD: '5' });
  const url = (path: string) => `${suite.corral.baseUrl}${path}`;
  let raw: OpenAPIV3.Document;
  let document: OpenAPIV3.Document;

  beforeAll(async () => {
    const response = await getJson<OpenAPIV3.Document>(url('/docs-json'), { key: null });
    expect(response.status).toBe(200);
    raw = response.body;
    const validator = new Validator();
    const result = await validator.validate(structuredClone(raw) as unknown as Record<string, unknown>);
    expect([result.valid, result.errors]).toEqual([true, undefined]);
    document = validator.resolveRefs() as unknown as OpenAPIV3.Document;
  });

  const operation = (method: string, path: string): Operation => {
    const found = operationsOf(document).find((o) => o.method === method && o.path === path);
    if (!found) throw new Error(`no ${method} ${path} in the document`);
    return found.operation;
  };
  const okSchema = (method: string, path: string, status = '200'): Schema => {
    const response = operation(method, path).responses[status] as OpenAPIV3.ResponseObject;
    return response.content?.['application/json']?.schema as Schema;
  };

  it('is a valid OpenAPI 3 document, every $ref resolved', () => {
    expect(raw.openapi).toMatch(/^3\./);
    expect(JSON.stringify(document)).not.toContain('"$ref"');
  });

  it('defines the bearer scheme its operations reference: every operation but the probes needs it, the probes none', () => {
    const schemes = raw.components?.securitySchemes ?? {};
    expect(schemes.bearer).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer', description: expect.stringContaining('API key or OIDC token') }));

    const wrong = operationsOf(raw).flatMap(({ method, path, operation }) => {
      const isPublic = ACCESS_MATRIX[`${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`]?.roles === 'public';
      const names = (operation.security ?? []).flatMap((requirement) => Object.keys(requirement));
      if (isPublic) return operation.security?.length === 0 ? [] : [`${method} ${path}: a probe must need no credentials`];
      if (names.length === 0) return [`${method} ${path}: no security`];
      return names.filter((name) => !(name in schemes)).map((name) => `${method} ${path}: undefined scheme ${name}`);
    });
    expect(wrong).toEqual([]);
    expect(operation('get', '/health/live').security).toEqual([]);
    expect(operation('get', '/health/ready').security).toEqual([]);
  });

  it('serves Swagger UI at /docs with the scheme its Authorize button offers', async () => {
    const page = await apiFetch(url('/docs'), {}, { key: null });
    const init = await apiFetch(url('/docs/swagger-ui-init.js'), {}, { key: null });

    expect([page.status, (await page.text()).includes('swagger-ui')]).toEqual([200, true]);
    expect([init.status, (await init.text()).includes('"securitySchemes"')]).toEqual([200, true]);
  });

  it('describes every request body by its properties (or as text), never as a bare object', () => {
    const bodies = operationsOf(document).flatMap(({ method, path, operation }) => {
      const body = operation.requestBody as OpenAPIV3.RequestBodyObject | undefined;
      return body ? Object.entries(body.content).map(([type, media]) => ({ where: `${method} ${path} ${type}`, schema: media.schema as Schema | undefined })) : [];
    });

    expect(bodies.length).toBeGreaterThan(10);
    expect(bodies.flatMap(({ where, schema }) => (schema ? undescribed(schema, where) : [`${where}: no schema`]))).toEqual([]);
  });

  it('documents at least one 4xx answer on every operation, and the shared error schema with it', () => {
    const without = operationsOf(document).filter(({ operation }) => !Object.keys(operation.responses).some((status) => /^4\d\d$/.test(status)));

    expect(without.map(({ method, path }) => `${method} ${path}`)).toEqual([]);
    expect(raw.components?.schemas?.ApiError).toEqual(expect.objectContaining({ required: ['statusCode', 'error', 'message'] }));
    const commands = operationsOf(document).filter(({ method, path }) => method === 'post' && path.startsWith('/v1/incidents/{id}/'));
    expect(commands.map(({ operation }) => Object.keys(operation.responses).filter((s) => s.startsWith('4')).sort())).toEqual(
      commands.map(() => ['400', '401', '403', '404', '409', '413', '429']),
    );
  });

  it('the document and the validation agree: a canonical event valid per its schema is accepted, ones it refuses get 400', async () => {
    const eventSchema = document.components?.schemas?.CanonicalEventDto as Schema;
    const valid = validatorOf(eventSchema);
    const body = operation('post', '/v1/events').requestBody as OpenAPIV3.RequestBodyObject;
    const bodySchema = validatorOf(body.content['application/json']?.schema as Schema);
    const event = canonical({ id: 'openapi-1', facility: 'north', department: 'ed', labels: { alertname: 'AdtDown' }, requester: { token: 'u-1', role: 'nurse' } });

    expect([valid(event), valid.errors]).toEqual([true, null]);
    expect([bodySchema(event), bodySchema([event, canonical({ id: 'openapi-2' })])]).toEqual([true, true]);
    expect((await postJson(url('/v1/events'), event)).status).toBe(202);

    const refused: Record<string, Record<string, unknown>> = {
      'an unknown field': { ...canonical(), surprise: true },
      'a severity outside its enum': canonical({ severity: 'catastrophic' }),
      'an id over 128 characters': canonical({ id: 'x'.repeat(129) }),
      'a code field with a space': canonical({ system: 'epic adt' }),
      'a nested code field with a space': canonical({ source: { type: 'canonical', system: 'probe one' } }),
      'patientImpact as text': canonical({ patientImpact: 'yes' }),
      'an unknown schemaVersion': canonical({ schemaVersion: '2' }),
      'a date that is no instant': canonical({ occurredAt: 'yesterday' }),
      'more than 64 labels': canonical({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }),
    };
    for (const [what, invalid] of Object.entries(refused)) {
      const reply = await postJson<{ statusCode: number }>(url('/v1/events'), invalid);
      expect([what, valid(invalid), reply.status]).toEqual([what, false, 400]);
    }
  });

  it('every required field of the canonical event, left out: the schema refuses it and corral answers 400 "<field> is required"', async () => {
    const eventSchema = document.components?.schemas?.CanonicalEventDto as Schema;
    const valid = validatorOf(eventSchema);
    const required = eventSchema.required ?? [];
    expect(required).toEqual(expect.arrayContaining(['id', 'schemaVersion', 'kind', 'source', 'occurredAt', 'status', 'severity', 'system', 'symptom', 'patientImpact']));

    for (const field of required) {
      const { [field]: _left, ...event } = canonical({ id: `missing-${field}` });
      const reply = await postJson<{ message: string; details: Array<{ field: string; problems: string[] }> }>(url('/v1/events'), event);

      expect([field, valid(event), reply.status, reply.body.details]).toEqual([field, false, 400, [{ field, problems: [`${field} is required`] }]]);
    }
  });

  it("a command's required field, left out: its one message says it is missing", async () => {
    await postJson(url('/v1/events?wait=correlated'), canonical({ id: 'cmd-1', system: 'lab-lis', errorSignature: 'OPENAPI_CMD' }));
    const incidents = await getJson<{ items: Array<{ id: string }> }>(url('/v1/incidents?system=lab-lis'));
    const id = incidents.body.items[0]?.id ?? '';

    const merge = await postJson<{ message: string; details: string[] }>(url(`/v1/incidents/${id}/merge`), { note: 'same outage' });
    const split = await postJson<{ message: string; details: string[] }>(url(`/v1/incidents/${id}/split`), {});

    expect([merge.status, merge.body.details]).toEqual([400, ['into is required']]);
    expect([split.status, split.body.details]).toEqual([400, ['children is required']]);
    const skip = await postJson<{ details: string[] }>(url('/v1/deliveries/skip'), { incidentId: 5 });
    expect([skip.status, skip.body.details.sort()]).toEqual([400, ['destination is required', 'incidentId must be a UUID']]);
  });

  it('a query parameter gets one problem, the first thing wrong with it (its type before its bounds)', async () => {
    const cases: Array<[string, string]> = [
      ['/v1/incidents?limit=abc', 'limit must be an integer number'],
      ['/v1/incidents?limit=9999', 'limit must not be greater than 500'],
      ['/v1/audit?limit=0', 'limit must not be less than 1'],
      ['/v1/blast-radius?limit=x', 'limit must be an integer number'],
    ];
    for (const [request, problem] of cases) {
      const reply = await getJson<{ details: string[] }>(url(request));
      expect([request, reply.status, reply.body.details]).toEqual([request, 400, [problem]]);
    }
  });

  describe('the answers match their schemas, an admin\'s and leadership\'s (people counts as numbers or "<5")', () => {
    let leadershipKey = '';
    let incidentId = '';

    beforeAll(async () => {
      leadershipKey = (await suite.corral.mintKey('leadership')).key;
      const now = new Date().toISOString();
      const alert = canonical({ id: 'pacs-alert', system: 'pacs', facility: 'kirkland', errorSignature: 'DICOM_TIMEOUT', occurredAt: now });
      const call = canonical({
        id: 'pacs-call',
        kind: 'report',
        source: { type: 'helpdesk', system: 'servicenow' },
        system: 'pacs',
        facility: 'kirkland',
        symptom: 'images will not load',
        severity: 'medium',
        requester: { token: 'clinician-1' },
        occurredAt: now,
      });
      expect((await postJson(url('/v1/events?wait=correlated'), [alert, call])).status).toBe(202);
      const list = await getJson<{ items: Array<{ id: string; system: string }> }>(url('/v1/incidents?system=pacs'));
      incidentId = list.body.items[0]?.id ?? '';
      expect(incidentId).not.toBe('');
    });

    const from = () => new Date(Date.now() - 3_600_000).toISOString();
    const routes = (): Array<[string, string]> => [
      ['/v1/incidents', '/v1/incidents'],
      ['/v1/blast-radius', '/v1/blast-radius'],
      ['/v1/blast-radius', `/v1/blast-radius?from=${from()}&bucket=15m`],
      ['/v1/incidents/{id}/blast-radius', `/v1/incidents/${incidentId}/blast-radius?from=${from()}`],
      ['/v1/metrics/outcomes', `/v1/metrics/outcomes?from=${from()}`],
    ];

    it('leadership routes: both views validate, and leadership\'s holds a "<5"', async () => {
      let suppressed = 0;
      for (const [path, request] of routes()) {
        const valid = validatorOf(okSchema('get', path));
        for (const key of [undefined, leadershipKey]) {
          const reply = await getJson(url(request), { key });
          expect([request, reply.status]).toEqual([request, 200]);
          expect([request, key ? 'leadership' : 'admin', valid(reply.body), valid.errors]).toEqual([request, key ? 'leadership' : 'admin', true, null]);
          // How fresh it is (freshness.ts): on the answers people watch, not on outcomes (a report over a past range).
          expect([request, 'asOf' in (reply.body as object)]).toEqual([request, path !== '/v1/metrics/outcomes']);
          if (key && JSON.stringify(reply.body).includes('"<5"')) suppressed += 1;
        }
      }
      expect(suppressed).toBeGreaterThanOrEqual(4);
    });

    it('the other reading routes: incident detail and timeline, deliveries, audit trail and verification, cluster, dead letters', async () => {
      const answers: Array<[string, string]> = [
        ['/v1/incidents/{id}', `/v1/incidents/${incidentId}`],
        ['/v1/incidents/{id}/timeline', `/v1/incidents/${incidentId}/timeline`],
        ['/v1/audit', '/v1/audit'],
        ['/v1/deliveries', '/v1/deliveries'],
        ['/v1/deliveries/blocked', '/v1/deliveries/blocked'],
        ['/v1/audit/verify', '/v1/audit/verify'],
        ['/v1/cluster', '/v1/cluster'],
        ['/v1/dead-letters', '/v1/dead-letters'],
      ];
      for (const [path, request] of answers) {
        const valid = validatorOf(okSchema('get', path));
        const reply = await getJson(url(request));
        expect([request, reply.status, valid(reply.body), valid.errors]).toEqual([request, 200, true, null]);
      }
    });

    it('POST /v1/events and a native route answer as their 202 schemas say', async () => {
      const events = validatorOf(okSchema('post', '/v1/events', '202'));
      const native = validatorOf(okSchema('post', '/v1/ingest/{source}', '202'));
      const helpdeskBody = { channel: 'phone', text: 'PACS will not load images', requester: 'jdoe@example.org', system: 'pacs', facility: 'kirkland' };
      const helpdeskSchema = validatorOf((operation('post', '/v1/ingest/{source}').requestBody as OpenAPIV3.RequestBodyObject).content['application/json']?.schema as Schema);

      const posted = await postJson(url('/v1/events'), [canonical({ id: 'answer-1' }), { id: 'broken' }]);
      const relayed = await postJson(url('/v1/ingest/helpdesk'), helpdeskBody);

      expect([posted.status, events(posted.body), events.errors]).toEqual([202, true, null]);
      // Read-your-writes adds where each event landed; the schema says so too.
      const waited = await postJson<{ correlated: boolean }>(url('/v1/events?wait=correlated'), [canonical({ id: 'answer-2' })]);
      expect([waited.status, events(waited.body), events.errors, waited.body.correlated]).toEqual([202, true, null, true]);
      expect(helpdeskSchema(helpdeskBody)).toBe(true);
      expect([relayed.status, native(relayed.body), native.errors]).toEqual([202, true, null]);
      const hl7 = operation('post', '/v1/ingest/hl7').requestBody as OpenAPIV3.RequestBodyObject;
      const example = (hl7.content['text/plain']?.schema as Schema).example as string;
      const nack = await apiFetch(url('/v1/ingest/hl7'), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: example });
      const nackBody: unknown = await nack.json();
      expect([nack.status, native(nackBody), nackBody]).toEqual([202, true, expect.objectContaining({ accepted: 1 })]);
    });
  });

  it('documents the freshness headers on the answer of every GET under /v1, and `asOf` on the incident list and blast radius', () => {
    const reads = operationsOf(document).filter(({ method, path }) => method === 'get' && path.startsWith('/v1/'));
    const without = reads.filter(({ operation }) => {
      const ok = operation.responses['200'] as OpenAPIV3.ResponseObject | undefined;
      return ['Corral-As-Of', 'Corral-Inbox-Position', 'Corral-Inbox-Pending'].some((header) => !ok?.headers?.[header]);
    });

    expect(reads.length).toBeGreaterThan(10);
    expect(without.map(({ path }) => path)).toEqual([]);
    for (const path of ['/v1/incidents', '/v1/blast-radius', '/v1/incidents/{id}/blast-radius']) {
      const schema = okSchema('get', path);
      for (const alternative of (schema.anyOf ?? schema.oneOf ?? [schema]) as Schema[]) {
        expect([path, Object.keys((alternative.properties?.asOf as Schema | undefined)?.properties ?? {})]).toEqual([path, ['position', 'at', 'pending']]);
      }
    }
  });

  it('leaves the dashboard (a browser page) and /metrics (Prometheus text) out', () => {
    expect(Object.keys(raw.paths).filter((path) => path.startsWith('/dashboard') || path === '/metrics')).toEqual([]);
  });
});
