import { readFileSync } from 'node:fs';
import type { CanonicalEvent } from '../../../correlation/canonical-event.js';
import { isLabelCode, protect } from '../../../correlation/privacy.js';
import { seededRandom } from '../../../../test/support/seeded-random.js';
import { admit } from '../admission.js';
import { LABEL_KEYS } from './normalize-kit.js';
import { ADAPTERS } from './registry.js';
import { context, eventsOf, KEY } from './spec-support.js';

// Label values are what a monitoring tool put in a label: a host, a job, a channel. When a patient's
// name, address or record number is put there instead, no scrubber can tell it from words, so a
// value that is not a code (or holds any identifier at all) must be kept only as a token. Every
// allow-listed label, on the native and the canonical routes, with the Synthea patient's own
// identifiers in the shapes people and tools write them, and with generated names.

interface Patient {
  name: Array<{ given: string[]; family: string }>;
  address: Array<{ line: string[]; city: string; state: string; postalCode?: string }>;
  telecom: Array<{ value: string }>;
  identifier: Array<{ value: string }>;
  birthDate: string;
}
const bundle = JSON.parse(readFileSync(new URL('../../../../test/fixtures/fhir/synthea-patient-carolee951.json', import.meta.url), 'utf8')) as {
  entry: Array<{ resource: { resourceType: string } }>;
};
const patient = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient') as unknown as Patient;
const given = patient.name[0]?.given[0] ?? '';
const family = patient.name[0]?.family ?? '';
const address = patient.address[0];

/** Invented names in the shapes Synthea and people use: capitalised, with Synthea's digits or without, two or three parts. */
function generatedNames(count: number): Array<[string, string]> {
  const next = seededRandom(151);
  const syllables = ['ka', 'ro', 'lee', 'san', 'ford', 'mi', 'chel', 'an', 'dre', 'wu', 'ngu', 'yen', 'ola', 'fe', 'mi'];
  const word = () => {
    const parts = Array.from({ length: 2 + Math.floor(next() * 2) }, () => syllables[Math.floor(next() * syllables.length)]).join('');
    const capitalised = `${parts[0]?.toUpperCase() ?? ''}${parts.slice(1)}`;
    return next() < 0.5 ? `${capitalised}${Math.floor(next() * 1000)}` : capitalised;
  };
  return Array.from({ length: count }, () => [word(), word()]);
}

/** A value planted in a label, and the parts of it that must not come out. */
type Plant = { value: string; canaries: string[] };
const plants: Plant[] = [
  { value: `${given} ${family}`, canaries: [given, family] },
  { value: `${family}, ${given}`, canaries: [given, family] },
  { value: `${family}^${given}`, canaries: [given, family] },
  { value: `${family.toUpperCase()}^${given.toUpperCase()}^^^MRN`, canaries: [given.toUpperCase(), family.toUpperCase()] },
  { value: `${given.toLowerCase()} ${family.toLowerCase()}`, canaries: [given.toLowerCase(), family.toLowerCase()] },
  { value: `${given}\u0001 ${family}`, canaries: [given, family] },
  { value: ` ${given}  ${family}\t`, canaries: [given, family] },
  { value: `${address?.line[0] ?? ''}, ${address?.city ?? ''}`, canaries: [address?.line[0] ?? '', address?.city ?? ''] },
  { value: patient.birthDate, canaries: [patient.birthDate] },
  ...patient.telecom.map((t) => ({ value: t.value, canaries: [t.value] })),
  // Every identifier the patient has, bare: a UUID MRN, an SSN, a licence and a passport number.
  ...patient.identifier.map((i) => ({ value: i.value, canaries: [i.value] })),
  ...generatedNames(40).flatMap(([first, last]) => [
    { value: `${first} ${last}`, canaries: [first, last] },
    { value: `${last},${first}`, canaries: [first, last] },
  ]),
];

const leaks = (kept: unknown, plant: Plant) => plant.canaries.filter((canary) => canary.length >= 4 && JSON.stringify(kept).includes(canary));

describe('label values', () => {
  it('are plain Synthea identifiers of every shape in the fixture (the plants test what they mean to)', () => {
    expect([given, family, address?.city, patient.birthDate].every(Boolean)).toBe(true);
    expect(patient.identifier.length).toBeGreaterThanOrEqual(4);
  });

  it('keep no planted name, address or identifier on a native route, in any allow-listed label', () => {
    const found: string[] = [];
    for (const label of LABEL_KEYS) {
      for (const plant of plants) {
        // Alertmanager's own receiver name becomes the receiver label: planted there too.
        const body = { version: '4', status: 'firing', receiver: label === 'receiver' ? plant.value : 'corral', alerts: [{ status: 'firing', labels: { alertname: 'DiskFull', [label]: plant.value }, annotations: { summary: 'disk full' }, startsAt: '2026-11-24T06:59:00Z' }] };
        const [event] = eventsOf(ADAPTERS.alertmanager.normalize(body, context));
        const admitted = admit(event);
        // A control character where a label also names the system is refused (400), without the value.
        if (!admitted.ok) {
          expect(leaks(admitted.reason, plant)).toEqual([]);
          continue;
        }
        for (const canary of leaks(admitted.event, plant)) found.push(`${label}=${JSON.stringify(plant.value)} kept ${canary}`);
        // Grouping survives: the same value gives the same kept label.
        expect(admitted.event.labels?.[label]).toMatch(/^x-[0-9a-f]{16}$/);
      }
    }
    expect(found).toEqual([]);
  });

  it('keep none on the canonical route either, where they are tokenized rather than refused', () => {
    for (const plant of plants) {
      const event: CanonicalEvent = {
        id: 'e-1', schemaVersion: '1', kind: 'alert', source: { type: 'canonical', system: 'probe' }, occurredAt: '2026-11-24T07:00:00.000Z',
        receivedAt: '2026-11-24T07:00:01.000Z', status: 'firing', severity: 'high', system: 'epic-adt', symptom: 'down', patientImpact: false,
        correlationId: 'c-1', labels: { instance: plant.value, team: 'integration' },
      };
      const result = protect(event, KEY, 'refuse');
      if (!result.ok) throw new Error(`${plant.value}: refused ${result.field}`);
      expect(leaks(result.event, plant)).toEqual([]);
      expect(result.event.labels?.team).toBe('integration');
    }
  });

  it('keep the codes monitoring tools use as they came', () => {
    for (const value of ['web-01:9100', 'epic-adt', 'node_exporter', 'integration', 'PUMP-0042', 'prod', 'ACK^V04^ACK', 'ADT^A01^ADT_A01', 'PID^1^3', 'RXA', '2.5.1', 'AE']) {
      expect([value, isLabelCode(value)]).toEqual([value, true]);
    }
    for (const value of ['SANFORD^CAROLEE', 'Carolee951 Sanford861', 'd88f994a-5efa-421d-9c40-5f116d2114a6', 'S99993907', '999-33-5538', 'High memory usage']) {
      expect([value, isLabelCode(value)]).toEqual([value, false]);
    }
  });
});

describe('fields a source composes from, or picks, on a native route', () => {
  it('HL7: a name in MSH-3, MSH-4 or MSH-9 and a licence number as the facility are kept nowhere', () => {
    for (const [app, facility, type] of [[`${given} ${family}`, patient.identifier[2]?.value ?? 'S99993907', `${family.toUpperCase()}^${given.toUpperCase()}`], [family, `${given} ${family}`, 'ACK^A01^ACK']]) {
      const message = `MSH|^~\\&|${app}|${facility}|RCV|RCVFAC|20261124070000||${type}|ctl-1|P|2.5.1\rMSA|AE|ctl-1\rERR||PID^3|101^required field missing^HL70357|E`;
      const [event] = eventsOf(ADAPTERS.hl7.normalize(message, context));
      const kept = JSON.stringify(event);
      for (const canary of [given, facility, given.toUpperCase()]) expect([canary, kept.includes(canary)]).toEqual([canary, false]);
      expect(event?.symptom).toMatch(/^HL7 error \(AE\) from /);
    }
  });

  it('a licence or passport number as an Alertmanager facility or department is kept as a token; a FHIR logical id is kept', () => {
    const sent = (labels: Record<string, string>) =>
      eventsOf(ADAPTERS.alertmanager.normalize({ version: '4', status: 'firing', alerts: [{ status: 'firing', startsAt: '2026-11-24T06:59:00Z', labels: { alertname: 'Down', ...labels } }] }, context))[0];
    for (const id of patient.identifier.map((i) => i.value).filter((v) => /^[A-Z]\d{8}[A-Z]?$/.test(v))) {
      const event = sent({ facility: id, department: id });
      expect([event?.facility, event?.department].every((v) => /^x-[0-9a-f]{16}$/.test(v ?? ''))).toBe(true);
    }
    expect(sent({ facility: 'b0e04623-b02c-3f8b-92ea-943fc4db60da' })?.facility).toBe('b0e04623-b02c-3f8b-92ea-943fc4db60da');
  });
});
