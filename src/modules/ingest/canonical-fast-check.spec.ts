import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import fc from 'fast-check';
import { EVENT_KINDS, EVENT_STATUSES, SEVERITIES, SOURCE_TYPES } from '../../correlation/canonical-event.js';
import { CanonicalEventDto, EventSourceDto, RequesterDto } from './canonical-event.dto.js';
import { acceptsCanonical, CANONICAL_KEYS, REQUESTER_KEYS, SOURCE_KEYS } from './canonical-fast-check.js';
import { parseCanonical } from './canonical-intake.js';

const dtoAccepts = (raw: unknown) => validateSync(plainToInstance(CanonicalEventDto, raw) as object, { whitelist: true, forbidNonWhitelisted: true }).length === 0;

const propertiesOf = (target: new () => object) =>
  [...new Set(getMetadataStorage().getTargetValidationMetadatas(target, '', true, false).map((m) => m.propertyName))].sort();

const valid = {
  id: 'am:1f2e:2026-11-24T07:00:00Z',
  schemaVersion: '1',
  kind: 'alert',
  source: { type: 'alertmanager', system: 'prometheus', instance: 'prom-1' },
  occurredAt: '2026-11-24T07:00:00Z',
  status: 'firing',
  severity: 'critical',
  system: 'adt-feed',
  facility: 'north',
  department: 'ed',
  symptom: 'ADT feed down',
  patientImpact: true,
  labels: { alertname: 'AdtDown' },
  requester: { token: 'u123', role: 'nurse' },
  correlationId: 'c-1',
};

/** Values wrong for a field in one of the ways the DTO checks (or, by chance, right). */
const oddValue = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  fc.constant(null),
  fc.constant(''),
  fc.string({ maxLength: 3 }),
  { weight: 8, arbitrary: fc.constantFrom(64, 65, 128, 129, 256, 257, 512, 513).map((n) => 'x'.repeat(n)) },
  fc.constantFrom('😀'.repeat(127), '😀'.repeat(129), '\uFE0F'.repeat(130), 'x'.repeat(128) + '😀'),
  fc.constantFrom('2026-02-30T00:00:00Z', '2026-11-24', '2026-11-24T07:00:00+01:00', '20261124T070000Z', 'yesterday', '1'),
  fc.constantFrom(...EVENT_KINDS, ...EVENT_STATUSES, ...SEVERITIES, ...SOURCE_TYPES, 'Alert', 'FIRING'),
  fc.integer(),
  fc.boolean(),
  fc.constant([]),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 4 }), fc.integer()), { maxKeys: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.string({ minLength: 250, maxLength: 260 })), { minKeys: 60, maxKeys: 70 }),
);

/** `base` with a few fields replaced by odd values or removed, and sometimes a key the DTO does not declare. */
const mutated = (base: Record<string, unknown>, fields: fc.Arbitrary<Record<string, unknown>> = fc.constant({})) =>
  fc
    .tuple(fc.oneof({ weight: 2, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(fc.tuple(fc.constantFrom(...Object.keys(base), 'receivedAt', 'location', 'errorSignature'), oddValue), { minLength: 1, maxLength: 2 }) }), fields, fc.oneof({ weight: 8, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('extra', 'constructor', '__proto__', 'toString') }))
    .map(([changes, nestedFields, extra]) => {
      const event = { ...base, ...nestedFields, ...Object.fromEntries(changes) };
      const json = JSON.stringify(event);
      return JSON.parse(extra === undefined || json === '{}' ? json : `{${JSON.stringify(extra)}: 1, ${json.slice(1)}`) as unknown;
    });

const candidate = mutated(valid, fc.record({ source: mutated(valid.source), requester: mutated(valid.requester) }, { requiredKeys: [] }));

describe('the canonical-event shortcut', () => {
  it('never accepts an event the DTO refuses, and parses what it accepts exactly as the DTO path would', () => {
    let accepted = 0;
    const context = { tokenKey: 'k'.repeat(32), receivedAt: new Date('2026-11-24T07:00:02Z'), correlationId: 'ctx' };
    fc.assert(
      fc.property(candidate, (raw) => {
        accepted += acceptsCanonical(raw) ? 1 : 0;
        if (!acceptsCanonical(raw)) return;
        expect(dtoAccepts(raw)).toBe(true);
        const viaDto = plainToInstance(CanonicalEventDto, raw);
        expect(parseCanonical(raw, context)).toEqual(parseCanonical({ ...viaDto, source: { ...viaDto.source } }, context));
      }),
      { numRuns: 5000 },
    );
    // The generator must reach both sides of the line for the property to mean anything.
    expect(accepted).toBeGreaterThan(500);
    expect(accepted).toBeLessThan(4500);
  });

  it('takes the events producers actually send', () => {
    expect(acceptsCanonical(valid)).toBe(true);
    expect(acceptsCanonical({ ...valid, requester: undefined, labels: undefined, facility: null })).toBe(true);
    expect(dtoAccepts(valid)).toBe(true);
  });

  it('leaves what it is unsure of to the DTO', () => {
    expect(acceptsCanonical({ ...valid, extra: 1 })).toBe(false);
    expect(acceptsCanonical({ ...valid, occurredAt: '2026-02-30T00:00:00Z' })).toBe(false);
    expect(acceptsCanonical({ ...valid, source: { ...valid.source, port: 1 } })).toBe(false);
  });

  it('refuses ISO 8601 forms Date cannot read, naming the field, instead of failing after validation', () => {
    const parsed = parseCanonical({ ...valid, occurredAt: '20261124T070000Z' }, { tokenKey: 'k'.repeat(32), receivedAt: new Date() });
    expect(parsed).toMatchObject({ ok: false, fields: [{ field: 'occurredAt', problems: ['occurredAt must be an ISO 8601 date-time such as 2026-11-24T07:00:00Z'] }] });
  });

  it('knows every field the DTO declares, and no other', () => {
    expect([...CANONICAL_KEYS].sort()).toEqual(propertiesOf(CanonicalEventDto));
    expect([...SOURCE_KEYS].sort()).toEqual(propertiesOf(EventSourceDto));
    expect([...REQUESTER_KEYS].sort()).toEqual(propertiesOf(RequesterDto));
  });
});
