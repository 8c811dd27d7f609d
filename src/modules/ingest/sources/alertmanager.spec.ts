import { normalizeAlertmanager } from './alertmanager.js';
import { context, eventsOf, json, idOf } from './spec-support.js';

describe('normalizeAlertmanager', () => {
  it('makes one alert event per alert, id <fingerprint>:<startsAt>, labels mapped onto the canonical fields', () => {
    const events = eventsOf(normalizeAlertmanager(json('alertmanager/webhook-v4-1.json'), context));

    expect(events.map((e) => e.id)).toEqual([idOf('ef37b98529905a39:2026-11-23T19:46:47Z'), idOf('410b1823072b63b0:2026-11-23T19:46:47Z')]);
    expect(events[0]).toMatchObject({
      kind: 'alert', status: 'firing', severity: 'critical', system: 'adt-feed', facility: 'overlake',
      errorSignature: 'HL7InterfaceDown', symptom: 'ADT outbound channel to lab is not delivering', occurredAt: '2026-11-23T19:46:47.000Z',
      source: { type: 'alertmanager', system: 'alertmanager', instance: 'alertmanager.example.org:9093' },
    });
    expect(events[0]?.labels).toMatchObject({ channel: 'ADT_OUT_LAB', receiver: 'corral' });
    expect(events[0]?.labels).not.toHaveProperty('runbook_url');
  });

  it('resolves at endsAt, so the resolve is newer than the firing it ends', () => {
    const [resolved, firing] = eventsOf(normalizeAlertmanager(json('alertmanager/webhook-v4-3.json'), context));

    expect([resolved?.status, resolved?.occurredAt, resolved?.id]).toEqual(['resolved', '2026-11-23T19:46:51.000Z', idOf('ef37b98529905a39:2026-11-23T19:46:47Z')]);
    expect(firing?.status).toBe('firing');
  });

  it('treats a firing alert whose endsAt has passed as resolved', () => {
    const body = json('alertmanager/webhook-v4-2.json');
    const alert = (body.alerts as Array<Record<string, unknown>>)[0];
    alert.endsAt = '2026-11-23T20:00:00Z';

    expect(eventsOf(normalizeAlertmanager(body, context))[0]).toMatchObject({ status: 'resolved', occurredAt: '2026-11-23T20:00:00.000Z' });
  });

  it('names the field it cannot use', () => {
    expect(normalizeAlertmanager({ alerts: [{ labels: {}, status: 'firing' }] }, context)).toEqual({ ok: false, field: 'alerts[0].startsAt', reason: 'alerts[0].startsAt: must be an ISO-8601 timestamp' });
    expect(normalizeAlertmanager({ alerts: [] }, context)).toMatchObject({ ok: false, field: 'alerts' });
    expect(normalizeAlertmanager([], context)).toMatchObject({ ok: false, field: 'body' });
  });
});

describe('organisation codes', () => {
  it('keeps a FHIR logical id or short code as the facility, but scrubs identifier-shaped values', async () => {
    const { finish } = await import('./normalize-kit.js');
    const base = { id: 'x', kind: 'alert' as const, source: { type: 'alertmanager' as const, system: 'am' }, occurredAt: '2026-11-24T07:00:00.000Z', status: 'firing' as const, severity: 'high' as const, system: 's', symptom: 'down' };
    const context = { tokenKey: 'k'.repeat(32), receivedAt: new Date(), correlationId: 'c' };

    expect(finish({ ...base, facility: 'b0e04623-b02c-3f8b-92ea-943fc4db60da' }, context).facility).toBe('b0e04623-b02c-3f8b-92ea-943fc4db60da');
    expect(finish({ ...base, facility: 'OHMC', department: 'ED-4' }, context)).toEqual(expect.objectContaining({ facility: 'OHMC', department: 'ED-4' }));
    expect(finish({ ...base, facility: '999-33-5538' }, context).facility).not.toContain('999-33-5538');
  });
});

describe('the request context', () => {
  it('takes receivedAt as a Date or as its ISO text, with the same events', () => {
    const body = json('alertmanager/webhook-v4-1.json');

    expect(normalizeAlertmanager(body, { ...context, receivedAt: '2026-11-24T07:00:00.000Z' })).toEqual(normalizeAlertmanager(body, context));
  });
});
