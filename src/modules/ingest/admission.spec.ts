import { anEvent } from '../../correlation/test-events.js';
import { admit, outOfRange } from './admission.js';

describe('admit', () => {
  it('passes a clean event unchanged', () => {
    const event = anEvent();

    expect(admit(event)).toEqual({ ok: true, event });
  });

  it('given control characters in free text, removes them, and scrubs what removing them reveals', () => {
    const event = anEvent({ symptom: 'disk\u0000 full\u001b[31m\tagain', labels: { alertname: 'Disk\u0000Full' }, location: 'MRN\u0000: 1234567' });

    const admission = admit(event);

    expect(admission.ok).toBe(true);
    if (!admission.ok) return;
    expect(admission.event.symptom).toBe('disk full[31m\tagain');
    expect(admission.event.labels).toEqual({ alertname: 'DiskFull' });
    expect(admission.event.location).not.toContain('1234567');
  });

  it('given a control character in an id, a code or a label key, refuses the event naming each field', () => {
    const event = anEvent({ id: 'a\u0000', system: 'epic\u0007', source: { type: 'canonical', system: 'probe', instance: 'x\u0085' }, labels: { 'k\u0000': 'v' }, requester: { token: 't\u0000' } });

    const admission = admit(event);

    expect(admission.ok).toBe(false);
    if (admission.ok) return;
    expect(admission.fields.map((f) => f.field)).toEqual(['id', 'source.instance', 'system', 'requester.token', 'labels']);
    expect(admission.reason).not.toContain('\u0000');
  });

  it('refuses instants PostgreSQL cannot keep or a hospital would not believe, naming the field', () => {
    const receivedAt = '2026-11-24T07:00:00.000Z';
    const at = (occurredAt: string) => admit(anEvent({ occurredAt, receivedAt }));

    expect(at('0000-01-01T00:00:00.000Z')).toMatchObject({ ok: false, fields: [{ field: 'occurredAt' }] });
    expect(at('-200000-01-01T00:00:00.000Z')).toMatchObject({ ok: false, fields: [{ field: 'occurredAt' }] });
    expect(at('+275760-09-13T00:00:00.000Z')).toMatchObject({ ok: false, fields: [{ field: 'occurredAt' }] });
    expect(at('1970-01-01T00:00:00.000Z').ok).toBe(true);
    expect(at('2026-11-25T07:00:00.000Z').ok).toBe(true);
    expect(at('2026-11-25T07:00:00.001Z').ok).toBe(false);
  });

  it('outOfRange names the bound that was crossed', () => {
    const receivedAt = new Date('2026-11-24T07:00:00Z');

    expect(outOfRange(Date.UTC(1969, 11, 31), receivedAt)).toBe('must not be before 1970-01-01T00:00:00Z');
    expect(outOfRange(Date.UTC(2027, 0, 1), receivedAt)).toBe('must not be more than a day after corral received it');
    expect(outOfRange(Date.UTC(2026, 10, 24), receivedAt)).toBeUndefined();
  });
});
