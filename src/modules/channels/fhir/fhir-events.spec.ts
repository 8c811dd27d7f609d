import { eventForResource } from './fhir-events.js';
import { readNotification } from './fhir-notification.js';
import type { FhirSubscriptionConfig } from './fhir-subscription-config.js';

const config: FhirSubscriptionConfig = { server: 'ehr', resourceTypes: ['Device', 'DeviceMetric', 'Endpoint'], systems: { 'http://snomed.info/sct|13288007': 'infusion-pump' }, facilities: { 'Location/4w': 'lakeside' } };
const AT = '2026-11-24T07:00:00.000Z';

describe('FHIR notifications', () => {
  it('reads R4 backport and R5 bundles, full-resource and id-only, and R4 payloads', () => {
    const parameters = { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'event-notification' }] };
    expect(readNotification({ resourceType: 'Bundle', type: 'history', entry: [{ resource: parameters }, { fullUrl: 'https://ehr/fhir/Device/a1/_history/3' }, { resource: { resourceType: 'Device', id: 'a2' } }] })).toEqual({ kind: 'event', resources: [{ resourceType: 'Device', id: 'a2' }], references: [{ type: 'Device', id: 'a1' }] });
    expect(readNotification({ resourceType: 'Bundle', type: 'subscription-notification', entry: [{ resource: { resourceType: 'SubscriptionStatus', type: 'heartbeat' } }] })).toEqual({ kind: 'heartbeat' });
    expect(readNotification({ resourceType: 'Endpoint', id: 'e' })).toMatchObject({ kind: 'event', resources: [{ id: 'e' }] });
    expect(readNotification(undefined)).toEqual({ kind: 'empty' });
    expect(readNotification([])).toMatchObject({ kind: 'invalid' });
  });

  it('maps a device by its type coding and location, reading nothing but status, type and place', () => {
    const mapped = eventForResource({ resourceType: 'Device', id: 'p1', status: 'inactive', type: { coding: [{ system: 'http://snomed.info/sct', code: '13288007' }] }, location: { reference: 'Location/4w' }, patient: { reference: 'Patient/x', display: 'Jane Doe' }, note: [{ text: 'Jane Doe' }] }, config, AT);
    expect(mapped).toEqual({ ok: true, event: expect.objectContaining({ id: 'fhir:Device/p1', system: 'infusion-pump', facility: 'lakeside', status: 'firing', labels: { fhirResource: 'Device/p1', device: 'p1' } }) });
    expect(JSON.stringify(mapped)).not.toContain('Jane');
  });

  it('says resolved when a device or endpoint is back, and ignores states that say nothing', () => {
    expect(eventForResource({ resourceType: 'Device', id: 'p1', status: 'active' }, config, AT)).toMatchObject({ ok: true, event: { status: 'resolved', system: 'device' } });
    expect(eventForResource({ resourceType: 'Endpoint', id: 'e1', status: 'error', connectionType: { code: 'hl7-fhir-rest', display: 'HL7 FHIR' } }, config, AT)).toMatchObject({ ok: true, event: { status: 'firing', system: 'endpoint-hl7-fhir-rest' } });
    expect(eventForResource({ resourceType: 'Device', id: 'p1', status: 'entered-in-error' }, config, AT)).toMatchObject({ ok: false });
    // A type's words are free text: never made into the system code (a patient's name would pass as one).
    expect(eventForResource({ resourceType: 'Device', id: 'p2', status: 'inactive', type: { text: 'Jane Doe', coding: [{ display: 'Jane Doe' }] } }, config, AT)).toMatchObject({ ok: true, event: { system: 'device' } });
    expect(eventForResource({ resourceType: 'Patient', id: 'x' }, config, AT)).toMatchObject({ ok: false });
    expect(eventForResource({ resourceType: 'Device', id: '../../x', status: 'inactive' }, config, AT)).toMatchObject({ ok: false });
  });
});
