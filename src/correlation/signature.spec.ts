import { normalizeSymptom, personOf, signatureOf } from './signature.js';
import { scrubText } from './scrub.js';
import { anEvent, testRules } from './test-events.js';

describe('signatureOf', () => {
  it('uses system, error signature and facility', () => {
    expect(signatureOf(anEvent())).toBe('epic-adt|queue_stalled|overlake');
  });

  it('falls back to the normalised symptom when there is no error signature', () => {
    const a = signatureOf(anEvent({ errorSignature: undefined, symptom: 'Timeout after 3000 ms talking to 10.2.3.4:8443' }));
    const b = signatureOf(anEvent({ errorSignature: undefined, symptom: 'timeout after 1200 ms talking to 10.9.9.9:8443' }));

    expect(a).toBe(b);
    expect(a).toBe('epic-adt|timeout after ms talking to|overlake');
  });

  it('keeps facilities apart and marks a missing facility', () => {
    expect(signatureOf(anEvent({ facility: 'issaquah' }))).not.toBe(signatureOf(anEvent()));
    expect(signatureOf(anEvent({ facility: undefined }))).toBe('epic-adt|queue_stalled|*');
  });
});

describe('normalizeSymptom', () => {
  it('drops ids, hosts, times and punctuation', () => {
    expect(normalizeSymptom('Job 7f3a9c2e-1b4d-4e8f-9a0b-123456789abc failed on app01.hospital.local at 07:15:02!'))
      .toBe('job failed on at');
  });
});

describe('scrubText', () => {
  it('removes patient identifiers from free text', () => {
    const text = 'PID lookup failed MRN: 9a0b1c2d for John, SSN 999-12-3456, call 425-555-0100, DOB 1961-06-14, mail j.doe@example.org, licence S99993907, passport X37176659X';

    const scrubbed = scrubText(text);

    for (const leaked of ['9a0b1c2d', '999-12-3456', '425-555-0100', '1961-06-14', 'j.doe@example.org', 'S99993907', 'X37176659X']) {
      expect(scrubbed).not.toContain(leaked);
    }
    expect(scrubbed).toContain('lookup failed');
  });
});

describe('the person field', () => {
  const rules = testRules({ signatures: [{ id: 'sig.identity', version: 3, match: { kinds: ['identity'] }, fields: ['system', 'problem', 'person'] }] });
  const identity = (token?: string) => anEvent({ kind: 'identity', system: 'okta', errorSignature: 'user.locked', symptom: 'user locked', ...(token ? { requester: { token } } : {}) });

  it('tells accounts apart by a digest of their token, never the token itself', () => {
    const ana = signatureOf(identity('rt_AnaToken123'), rules);
    expect(ana).toBe(`okta|user.locked|${personOf('rt_AnaToken123')}`);
    expect(ana).not.toContain('anatoken');
    expect(signatureOf(identity('rt_BenToken456'), rules)).not.toBe(ana);
    expect(personOf('rt_AnaToken123')).toMatch(/^p[0-9a-f]{16}$/);
  });

  it('is "*" for an event that names no account', () => {
    expect(signatureOf(identity(), rules)).toBe('okta|user.locked|*');
  });
});
