import { normalizeHl7 } from './hl7.js';
import { context, eventsOf, fixture } from './spec-support.js';

describe('normalizeHl7', () => {
  it('turns a v2.5.1 AE with ERR into an interface event from the sending app and facility', () => {
    const [event] = eventsOf(normalizeHl7(fixture('hl7/ack-ae-err-nist-iz.hl7'), context));

    expect(event).toMatchObject({
      kind: 'interface', system: 'NISTIISAPP', facility: 'NISTIISFAC', severity: 'high', errorSignature: 'AE HL70357:999',
      occurredAt: '2015-06-25T17:10:47.000Z', labels: { messageType: 'ACK^V04^ACK', ackCode: 'AE', hl7Version: '2.5.1', errorLocation: 'RXA' },
    });
    expect(event?.symptom).toBe('HL7 error (AE) from NISTIISAPP on ACK^V04^ACK: Vaccine code not recognized - message rejected');
  });

  it('reads the pre-2.5 ERR-1 and newline-separated segments', () => {
    const [event] = eventsOf(normalizeHl7(fixture('hl7/ack-ar-err-hl7-v2xml-spec-example.hl7'), context));

    expect(event).toMatchObject({ system: 'LAB', errorSignature: 'AR HL70357:103', symptom: expect.stringContaining('Table value not found') });
  });

  it('ignores AA, refuses a message without MSA, and never reads PID or PV1', () => {
    expect(normalizeHl7(fixture('hl7/ack-aa-camel-mllp.hl7'), context)).toMatchObject({ ok: true, events: [], ignored: 1 });
    expect(normalizeHl7(fixture('hl7/adt-a01-ms-fhir-converter.hl7'), context)).toMatchObject({ ok: false, field: 'MSA' });
    const nack = `${fixture('hl7/ack-ae-camel-mllp.hl7').trim()}\rPID|1||12345678^^^MR||SANFORD861^CAROLEE951\rPV1|1|I|2000^2012^01`;
    expect(JSON.stringify(eventsOf(normalizeHl7(nack, context)))).not.toMatch(/SANFORD|CAROLEE|12345678|2012/);
  });

  it('decodes escape sequences with the message\'s own encoding characters before the privacy filter', () => {
    const standard = 'MSH|^~\\&|LIS|GHH|ADT|GHH|20261124070000||ACK^A01|A1|P|2.5.1\rMSA|AE|M1\rERR||PID^1^3|204^Unknown key^HL70357|E||||Unknown key identifier \\T\\ MRN\\F\\ 12345678 pt \\H\\Sanford861\\N\\, \\X4361726F6C6565393531\\';
    const own = 'MSH#$*!@#LIS#GHH#ADT#GHH#20261124070000##ACK$A01#A1#P#2.5.1\rMSA#AE#M1\rERR##PID$1$3#204$Unknown key$HL70357#E####MRN!F! 12345678 pt Sanford861!S!Carolee951';
    for (const message of [standard, own]) {
      const [event] = eventsOf(normalizeHl7(message, context));

      expect(event?.symptom).not.toMatch(/12345678|Sanford|Carolee|\\[FTXHN]/);
      expect(event?.symptom).toContain('[redacted:mrn]');
    }
  });

  it('counts each message of an MLLP-framed batch', () => {
    const framed = ['ack-ae-camel-mllp.hl7', 'ack-aa-camel-mllp.hl7', 'ack-ar-camel-mllp.hl7'].map((f) => `\x0b${fixture(`hl7/${f}`)}\x1c\r`).join('');

    expect(normalizeHl7(framed, context)).toMatchObject({ ok: true, ignored: 1, events: [{ errorSignature: 'AE' }, { errorSignature: 'AR' }] });
  });
});
