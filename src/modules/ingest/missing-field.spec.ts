import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import { NatsCommandDto, NatsMergeDto, NatsSplitDto, MergeDto, SplitDto } from '../incidents/command.dto.js';
import { VALIDATOR_OPTIONS } from '../http/validation.js';
import { CanonicalEventDto, EventSourceDto, RequesterDto } from './canonical-event.dto.js';
import { parseCanonical } from './canonical-intake.js';

const context = { tokenKey: 'spec-token-key-0123456789abcdefghijklmnop', receivedAt: new Date('2026-11-24T07:00:05Z') };
const valid = {
  id: 'am:1f2e',
  schemaVersion: '1',
  kind: 'alert',
  source: { type: 'alertmanager', system: 'prometheus' },
  occurredAt: '2026-11-24T07:00:00Z',
  status: 'firing',
  severity: 'critical',
  system: 'adt-feed',
  symptom: 'ADT feed down',
  patientImpact: true,
  requester: { token: 'u123' },
};

/** The properties class-validator treats as required: no IsOptional among their checks, inherited ones included. */
function requiredOf(target: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
  const optional = new Set(metadata.filter((m) => m.type === 'conditionalValidation').map((m) => m.propertyName));
  return [...new Set(metadata.map((m) => m.propertyName))].filter((p) => !optional.has(p)).sort();
}

const without = (value: Record<string, unknown>, field: string) => Object.fromEntries(Object.entries(value).filter(([key]) => key !== field));

describe('a missing required field is reported as missing, first', () => {
  it.each(requiredOf(CanonicalEventDto))('canonical event without %s: "%s is required"', (field) => {
    const parsed = parseCanonical(without(valid, field), context);

    expect(parsed).toEqual({ ok: false, reason: `${field}: ${field} is required`, fields: [{ field, problems: [`${field} is required`] }] });
  });

  it.each([
    ['source', EventSourceDto],
    ['requester', RequesterDto],
  ] as const)('nested %s: every required field of it, by its path', (parent, type) => {
    for (const field of requiredOf(type)) {
      const parsed = parseCanonical({ ...valid, [parent]: without(valid[parent], field) }, context);

      expect(parsed).toMatchObject({ ok: false, fields: [{ field: `${parent}.${field}`, problems: [`${field} is required`] }] });
    }
  });

  it('several fields missing at once: each named once, each as missing', () => {
    const parsed = parseCanonical(without(without(without(valid, 'id'), 'symptom'), 'patientImpact'), context);

    expect(parsed.ok ? [] : parsed.fields).toEqual(
      expect.arrayContaining([
        { field: 'id', problems: ['id is required'] },
        { field: 'symptom', problems: ['symptom is required'] },
        { field: 'patientImpact', problems: ['patientImpact is required'] },
      ]),
    );
  });

  it('a present field of the wrong type is named by its type before its length', () => {
    const parsed = parseCanonical({ ...valid, id: 5, system: '' }, context);

    expect(parsed.ok ? [] : parsed.fields).toEqual([
      { field: 'id', problems: ['id must be a string'] },
      { field: 'system', problems: ['system should not be empty'] },
    ]);
  });

  it.each<new () => object>([NatsCommandDto, NatsMergeDto, NatsSplitDto, MergeDto, SplitDto])('%p: each required field, when missing, says so first', (type) => {
    const complete = { incidentId: '00000000-0000-4000-8000-000000000001', by: 'agent:jdoe', into: '00000000-0000-4000-8000-000000000002', children: ['c-1'] };
    const fields = requiredOf(type);
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) {
      const body = Object.fromEntries(fields.filter((f) => f !== field).map((f) => [f, complete[f as keyof typeof complete]]));
      const errors = validateSync(plainToInstance(type, body), VALIDATOR_OPTIONS);

      expect(errors.map((e) => [e.property, Object.values(e.constraints ?? {})])).toEqual([[field, [`${field} is required`]]]);
    }
  });

  it('over NATS `by` is required (it is optional over HTTP, where the caller is authenticated)', () => {
    expect(requiredOf(NatsCommandDto)).toEqual(['by', 'incidentId']);
    expect(requiredOf(MergeDto)).toEqual(['into']);
  });
});
