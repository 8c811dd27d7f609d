import { anEvent } from '../../correlation/test-events.js';
import { asReference, contextOf, devicePiece, facilityPiece, locationPiece, lookupsOf, type Resource } from './directory-mapping.js';
import { CONTEXT_FIELDS, compileEnrichmentRules, EnrichmentRulesError, loadEnrichmentRules } from './enrichment-rules.js';

const rules = loadEnrichmentRules();
const keepAll = new Set(CONTEXT_FIELDS);

const org = (id: string, name: string, partOf?: string): Resource => ({
  resourceType: 'Organization',
  id,
  name,
  ...(partOf ? { partOf: { reference: partOf } } : {}),
  // What a Synthea organization also carries; none of it may come out.
  telecom: [{ system: 'phone', value: '4256885000' }],
  address: [{ line: ['1035-116TH AVE NE'], city: 'BELLEVUE' }],
});
const loc = (id: string, name: string, partOf?: string, extra: Record<string, unknown> = {}): Resource => ({
  resourceType: 'Location',
  id,
  name,
  ...(partOf ? { partOf: { reference: partOf } } : {}),
  ...extra,
});
const patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Sanford861', given: ['Carolee951'] }], identifier: [{ value: '999-84-1234' }] };

describe('what an event asks the directory', () => {
  it('asks for facility, department, location and the first device label the rules name', () => {
    const event = anEvent({ facility: 'OHMC', department: 'OHMC-ED', location: 'OHMC-4W', labels: { asset: 'PUMP-7', device: 'PUMP-0042' } });
    expect(lookupsOf(event, rules)).toEqual([
      { kind: 'facility', value: 'OHMC' },
      { kind: 'department', value: 'OHMC-ED' },
      { kind: 'location', value: 'OHMC-4W' },
      { kind: 'device', value: 'PUMP-0042' },
    ]);
  });

  it('asks nothing of an event that names no place and no device', () => {
    const { facility: _f, department: _d, location: _l, ...bare } = anEvent({});
    expect(lookupsOf({ ...bare, labels: { team: 'biomed' } }, rules)).toEqual([]);
  });
});

describe('the allow-list: which resource fields become context', () => {
  it('keeps a directory name PostgreSQL can store: control characters removed, cut between graphemes', () => {
    const piece = facilityPiece(org('o1', `North\u0000 ${'A'.repeat(120)}😀 more`), []);

    expect(piece.facilityName).toBe(`North ${'A'.repeat(120)}😀…`);
    expect(facilityPiece(org('o2', `${'B'.repeat(126)}😀`), []).facilityName).toBe(`${'B'.repeat(126)}😀`);
  });

  it('keeps an organization’s name as facility and site, nothing of its phone or address', () => {
    const piece = facilityPiece(org('o1', 'OVERLAKE HOSPITAL MEDICAL CENTER'), []);
    expect(piece).toEqual({ facilityName: 'OVERLAKE HOSPITAL MEDICAL CENTER', siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER' });
  });

  it('names the site after the outermost partOf ancestor', () => {
    const piece = facilityPiece(loc('b', 'North Tower'), [loc('s', 'OVERLAKE HOSPITAL MEDICAL CENTER')]);
    expect(piece).toEqual({ facilityName: 'North Tower', siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER' });
  });

  it('turns a ward and its partOf chain into a path from the site down', () => {
    const chain = [loc('w', '4 West Cardiology'), loc('f', 'North Tower Floor 4'), loc('b', 'North Tower'), loc('s', 'OVERLAKE HOSPITAL MEDICAL CENTER')];
    expect(locationPiece(chain)).toEqual({
      locationPath: ['OVERLAKE HOSPITAL MEDICAL CENTER', 'North Tower', 'North Tower Floor 4', '4 West Cardiology'],
      siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER',
    });
  });

  it('reads nothing from contained resources: a Patient inside a Location stays there', () => {
    const ward = loc('w', '4 West', undefined, { contained: [patient], extension: [{ url: 'x', valueReference: { reference: '#p1' } }] });
    expect(JSON.stringify(locationPiece([ward]))).not.toMatch(/Carolee|Sanford|999-84/);
  });

  it('keeps a house device’s type, owner and place', () => {
    const device: Resource = { resourceType: 'Device', id: 'd', type: { text: 'Infusion pump' }, owner: { reference: 'Organization/bio' }, location: { reference: 'Location/w' } };
    expect(devicePiece(device, org('bio', 'Biomedical Engineering'), [loc('w', '4 West'), loc('s', 'OVERLAKE')])).toEqual({
      deviceType: 'Infusion pump',
      deviceOwner: 'Biomedical Engineering',
      locationPath: ['OVERLAKE', '4 West'],
      siteName: 'OVERLAKE',
    });
  });

  it('keeps a device assigned to a patient as its type only, even when owner and place are at hand', () => {
    const device: Resource = { resourceType: 'Device', id: 'd', type: { coding: [{ display: 'Insulin pump' }] }, patient: { reference: 'Patient/p1', display: 'Carolee951 Sanford861' } };
    expect(devicePiece(device, org('bio', 'Biomedical Engineering'), [loc('r', 'Room 412')])).toEqual({ deviceType: 'Insulin pump' });
  });

  it('scrubs a directory name like any free text: a name is still text from outside', () => {
    const piece = locationPiece([loc('r', 'Room 12 patient Carolee951 Sanford861')]);
    expect(piece.locationPath?.[0]).not.toMatch(/Carolee|Sanford/);
  });
});

describe('references corral follows', () => {
  it('follows only relative references of the allowed types', () => {
    expect(asReference('Location/abc-1', ['Location'])).toEqual({ type: 'Location', id: 'abc-1' });
    expect(asReference('Organization/abc', ['Location'])).toBeUndefined();
    expect(asReference('#p1', ['Location'])).toBeUndefined();
    expect(asReference('Patient/p1', ['Location'])).toBeUndefined();
    expect(asReference('https://elsewhere.example/Location/1', ['Location'])).toBeUndefined();
  });
});

describe('one event’s context from its lookups', () => {
  const facility = { outcome: 'found' as const, piece: { facilityName: 'OVERLAKE', siteName: 'OVERLAKE' } };

  it('is ok when the directory answered everything, not-found included', () => {
    expect(contextOf({ facility, device: { outcome: 'not-found' } }, keepAll)).toEqual({ enrichment: 'ok', facilityName: 'OVERLAKE', siteName: 'OVERLAKE' });
  });

  it('is partial when some questions could not be asked, unavailable when none could', () => {
    expect(contextOf({ facility, location: { outcome: 'failed' } }, keepAll)?.enrichment).toBe('partial');
    expect(contextOf({ facility: { outcome: 'failed' }, location: { outcome: 'failed' } }, keepAll)).toEqual({ enrichment: 'unavailable' });
  });

  it('prefers the site of the location’s own chain over the facility’s', () => {
    const location = { outcome: 'found' as const, piece: { locationPath: ['North Campus', '4 West'], siteName: 'North Campus' } };
    expect(contextOf({ facility, location }, keepAll)?.siteName).toBe('North Campus');
  });

  it('drops fields the rules do not keep', () => {
    expect(contextOf({ facility }, new Set(['siteName'] as const))).toEqual({ enrichment: 'ok', siteName: 'OVERLAKE' });
  });

  it('gives no context at all to an event that asked nothing', () => {
    expect(contextOf({}, keepAll)).toBeUndefined();
  });
});

describe('enrichment rules', () => {
  it('ships rules that ask only directory types', () => {
    const types = Object.values(rules.lookups).flat().map((s) => s.resource);
    expect(types.every((t) => ['Location', 'Organization', 'HealthcareService', 'Device', 'Endpoint'].includes(t))).toBe(true);
    expect(types.length).toBeGreaterThan(0);
  });

  it('refuses a rule that would read a chart, and a kept field outside the allow-list, naming both', () => {
    const compile = () => compileEnrichmentRules({ facility: [{ resource: 'Patient', by: 'identifier' }], keep: ['patientName'] }, 'e.yaml');
    expect(compile).toThrow(EnrichmentRulesError);
    expect(compile).toThrow(/facility\[0\]: field "resource" must be one of Organization, Location \(got "Patient"\)/);
    expect(compile).toThrow(/"keep" may only name .*\(got "patientName"\)/);
  });
});
