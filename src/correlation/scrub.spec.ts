import fc from 'fast-check';
import { CleanTexts, depthExceeds, SCREENED_RULES, scrubPayload, scrubText, scrubTextUnscreened } from './scrub.js';

// The Synthea patient of the shared fixtures (fhir/synthea-patient-carolee951.json).
const CAROLEE = {
  given: 'Carolee951',
  family: 'Sanford861',
  mrn: 'd88f994a-5efa-421d-9c40-5f116d2114a6',
  ssn: '999-33-5538',
  birthDate: '1969-03-27',
  phone: '555-657-5098',
  street: '117 Orn Bypass',
  zip: '98053',
};
const leaks = (text: string) => Object.values(CAROLEE).filter((needle) => text.includes(needle));

describe('scrubText', () => {
  it('replaces each kind of identifier by its redaction tag', () => {
    const cases: Array<[string, string]> = [
      ['mail j.doe@example.org now', 'mail [redacted:email] now'],
      ['SSN 999-33-5538', '[redacted:ssn]'],
      ['MRN: AB12345 missing', '[redacted:mrn] missing'],
      ['DOB 03/27/1969', '[redacted:dob]'],
      ['call (555) 657-5098', 'call [redacted:phone]'],
      ['call 555-657-5098', 'call [redacted:phone]'],
      ['at 117 Orn Bypass, Redmond, WA 98053 today', 'at [redacted:address] today'],
      ['pt Sanford861, Carolee951 called', 'pt [redacted:name] called'],
      ['licence S99993907', 'licence [redacted:id]'],
    ];
    for (const [given, expected] of cases) expect([given, scrubText(given)]).toEqual([given, expected]);
  });

  it('removes every identifier of the Synthea patient from a clinician report', () => {
    const report = `Patient ${CAROLEE.given} ${CAROLEE.family} (MRN ${CAROLEE.mrn}, DOB ${CAROLEE.birthDate}, SSN ${CAROLEE.ssn}, phone ${CAROLEE.phone}) of ${CAROLEE.street}, Redmond, WA ${CAROLEE.zip}: wristband will not print`;

    const scrubbed = scrubText(report);

    expect(leaks(scrubbed)).toEqual([]);
    expect(scrubbed).toContain('wristband will not print');
  });

  it('drops patient segments of an HL7 message pasted into an error text, real or JSON-escaped separators', () => {
    const segment = `PID|1||${CAROLEE.mrn}^^^MR||${CAROLEE.family}^${CAROLEE.given}||19690327|F|||${CAROLEE.street}^^Redmond^WA^${CAROLEE.zip}`;

    expect(leaks(scrubText(`Transformer error: ${segment}\rPV1|1|I|2000^2012^01`))).toEqual([]);
    expect(scrubText(`MSH|^~\\&|ADT\\r${segment}\\rPV1|1`)).toBe('MSH|^~\\&|ADT\\r[redacted:hl7-segment]\\r[redacted:hl7-segment]');
  });

  it('finds names next to patient cues, in HL7 order too, and leaves ordinary words after "patient"', () => {
    expect(scrubText('Patient SANFORD861^CAROLEE951 not found')).not.toMatch(/SANFORD|CAROLEE/);
    expect(scrubText('Sanford861, Carolee951 MRN 1234567 rejected')).toBe('[redacted:name] [redacted:mrn] rejected');
    expect(scrubText('patient lookup failed; patient cannot log in; Patient Portal down')).toBe('patient lookup failed; patient cannot log in; Patient Portal down');
  });

  it('finds what the review found missed: lower-case names, spaced SSNs and MRNs, month-name dates, international and local phones', () => {
    const cases: Array<[string, string]> = [
      ['pt maria garcia cannot be found', 'pt [redacted:name] cannot be found'],
      ['ssn 987 65 4321 on file', '[redacted:ssn] on file'],
      ['dob 14-Mar-1961 wrong', '[redacted:dob] wrong'],
      ['call +44 20 7946 0958 or +49 30 901820', 'call [redacted:phone] or [redacted:phone]'],
      ['ring 555-0199 after 5', 'ring [redacted:phone] after 5'],
      ['MRN: 000 123 45 twice', '[redacted:mrn] twice'],
    ];
    for (const [given, expected] of cases) expect([given, scrubText(given)]).toEqual([given, expected]);
  });

  it('finds Synthea-style names with no cue, in any order or separator, and leaves single words with digits alone', () => {
    expect(scrubText('Carolee951 Sanford861 down')).toBe('[redacted:name] down');
    expect(scrubText('cannot open chart: Sanford861, Carolee951')).toBe('cannot open chart: [redacted:name]');
    expect(scrubText('ERR from Sanford861^Carolee951^Ann22')).toBe('ERR from [redacted:name]');
    for (const text of ['Win10 clients cannot print', 'upgrade to Node22 failed', 'ORA-12154 on Oracle19c', 'Epic2023 build 4 rollout']) expect(scrubText(text)).toBe(text);
  });

  it('keeps ordinary monitoring text readable and is idempotent', () => {
    const text = 'ADT outbound channel to lab is not delivering after 3 errors in the last run';

    expect(scrubText(text)).toBe(text);
    const once = scrubText('Patient Carolee951 Sanford861 DOB 1969-03-27');
    expect(scrubText(once)).toBe(once);
  });
});

describe('scrubPayload', () => {
  it('scrubs JSON value by value and stays valid JSON', () => {
    const body = JSON.stringify({ error: `pt ${CAROLEE.family}, ${CAROLEE.given} SSN ${CAROLEE.ssn}`, count: 3, nested: [{ [CAROLEE.phone]: true }] });

    const scrubbed = scrubPayload(body);

    expect(leaks(scrubbed)).toEqual([]);
    expect(JSON.parse(scrubbed)).toEqual({ error: 'pt [redacted:name] [redacted:ssn]', count: 3, nested: [{ '[redacted:phone]': true }] });
  });

  it('scrubs text that is not JSON as text', () => {
    expect(scrubPayload(`{broken ${CAROLEE.ssn}`)).toBe('{broken [redacted:ssn]');
  });
});

describe('depthExceeds', () => {
  it('measures nesting without recursion', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;

    expect(depthExceeds(deep, 64)).toBe(true);
    expect(depthExceeds({ a: [{ b: 1 }] }, 3)).toBe(false);
    expect(depthExceeds({ a: [{ b: {} }] }, 3)).toBe(true);
  });
});

describe('the scrubber\'s screens', () => {
  // Texts built from the pieces the rules look for (cues, digit groups, separators, month and
  // street words, tags), joined at random, and arbitrary strings: where a screen were wrong, a
  // rule would be skipped on a text it matches.
  const PIECES = [
    'patient', 'Patient', 'pt', 'PT', 'mr', 'Mrs.', 'ms', 'miss', 'mx', 'Dr', 'caller', 'guarantor', 'nok', 'name', 'Name:', 'MRN', 'mrn', 'mr#', 'pid', 'acct',
    'account', 'medical record', 'ssn', 'SS#', 'social security', 'dob', 'D.O.B.', 'date of birth', 'born on', 'birth date', 'tel', 'phone', 'fax', 'call back',
    '[redacted:mrn]', '[redacted:name]', 'redacted', '1', '12', '123', '1234', '12345', '123456', '1961', '19610314', '555', '0199', '(555)', '+1', '+44', '20',
    'Mar', 'march', 'Dec', 'st', 'Street', 'AVE', 'Bypass', 'NE', 'WA', 'Redmond', 'Smith', 'john', 'Carolee951', 'Sanford861', 'S99993907', 'a1b2c3d4e5',
    'HL70357', 'PID|1||', 'NK1|', '\\r', '\r', '\n', '@', 'j.doe@example.org', '|', '+', '-', '.', '/', ':', '#', '=', ',', '^', '(', ')', ' ', ' ', '  ',
    'd88f994a-5efa-421d-9c40-5f116d2114a6', '10.1.2.3', '2026-11-24T07:00:00Z', 'é', 'Ö', 'ſ', 'K', 'ADT', 'queue', 'down', 'sys-42', 'host:9100',
  ];
  const text = fc.oneof(
    { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }).chain((parts) => fc.array(fc.constantFrom('', ' ', '-', ', '), { minLength: parts.length, maxLength: parts.length }).map((gaps) => parts.map((p, i) => `${p}${gaps[i]}`).join(''))) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.stringMatching(/^[\dA-Za-z .\-/()+@|:#]{0,30}$/) },
  );

  it('lets a rule run wherever it could match: each screen holds in every text its rule matches', () => {
    fc.assert(
      fc.property(text, (value) => {
        for (const [pattern, screen] of SCREENED_RULES) {
          const matches = new RegExp(pattern.source, pattern.flags.replace('g', '')).test(value);
          const screened = typeof screen === 'string' ? value.includes(screen) : screen.test(value);
          if (matches && !screened) throw new Error(`${String(screen)} screens out ${String(pattern).slice(0, 60)} on ${JSON.stringify(value)}`);
        }
      }),
      { numRuns: 20_000, seed: 23 },
    );
  });

  it('gives what every rule alone gives', () => {
    fc.assert(
      fc.property(text, (value) => {
        expect(scrubText(value)).toBe(scrubTextUnscreened(value));
      }),
      { numRuns: 20_000, seed: 24 },
    );
  });

  it('gives the same with clean texts remembered, seen once or again, and keeps only texts that were clean', () => {
    const clean = new CleanTexts(50);
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 8 }), (values) => {
        for (const value of [...values, ...values]) expect(scrubText(value, clean)).toBe(scrubTextUnscreened(value));
        for (const value of values) if (clean.has(value)) expect(scrubTextUnscreened(value)).toBe(value);
      }),
      { numRuns: 2_000, seed: 25 },
    );
  });

  it('keeps a text seen again in the young generation, and forgets one not seen for a generation', () => {
    const clean = new CleanTexts(2);
    clean.keep('summary');
    clean.keep('host-1');
    // Full: the next text starts a new generation; 'summary' read from the old one moves back.
    clean.keep('host-2');
    expect(clean.has('summary')).toBe(true);
    clean.keep('host-3');
    clean.keep('host-4');
    expect([clean.has('summary'), clean.has('host-1')]).toEqual([true, false]);
  });
});
