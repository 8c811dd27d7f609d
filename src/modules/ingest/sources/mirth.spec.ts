import { normalizeMirth } from './mirth.js';
import { context, eventsOf, json } from './spec-support.js';

describe('normalizeMirth', () => {
  it('makes an interface event for the channel, keyed by message, with a scrubbed first line of the error', () => {
    const [event] = eventsOf(normalizeMirth(json('mirth/alert-destination-error.json'), context));

    expect(event).toMatchObject({ kind: 'interface', system: 'ADT_OUT_LAB', errorSignature: 'destination-connector', symptom: 'Connection refused (Connection refused)', occurredAt: '2026-11-24T07:02:11.000Z' });
    // The id is a keyed token of <channel>:<message>:<error hash>: stable, and none of it in the clear.
    expect(event?.id).toMatch(/^ev_[\w-]{22}$/);
    expect(eventsOf(normalizeMirth(json('mirth/alert-destination-error.json'), context))[0]?.id).toBe(event?.id);
  });

  it('keeps Mirth\'s own error types as codes however they are spelled, and any other error type like a label', () => {
    const typed = (errorType: string) => eventsOf(normalizeMirth({ ...json('mirth/alert-destination-error.json'), errorType }, context))[0];

    expect(typed('DESTINATION_CONNECTOR')).toMatchObject({ errorSignature: 'destination-connector', labels: { errorType: 'destination-connector' } });
    expect(typed('Source Filter/Transformer')).toMatchObject({ errorSignature: 'source-filter-transformer' });
    // Not a Mirth type, and not a code: a name put there is kept only as its token, in both places.
    const named = typed('Carolee951 Sanford861');
    expect(named?.errorSignature).toMatch(/^x-[0-9a-f]{16}$/);
    expect(named?.labels?.errorType).toBe(named?.errorSignature);
  });

  it('names a response-validation alert by the NACK it reports, as the HL7 adapter names that NACK, and only by a table-0357 code', () => {
    const nack = (error: string) => eventsOf(normalizeMirth({ channelName: 'HCR_LAB_ORDERS_TO_IM', errorType: 'Response Validation', errorMessage: 'Negative acknowledgement received', error }, context))[0];

    expect(nack('HL7v2 response validation failed: MSA-1 was AE\nERR-3: 103^Table value not found^HL70357')?.errorSignature).toBe('AE HL70357:103');
    expect(nack('MSA-1 AR\nERR||PID^1^3|204^Unknown key identifier^HL70357|E')?.errorSignature).toBe('AR HL70357:204');
    expect(nack('HL7v2 response validation failed: MSA-1 was AE\nERR-1: PID^1^3^204&Unknown key identifier&HL70357')?.errorSignature).toBe('AE HL70357:204');
    // An ack code alone names no problem: the alert keeps what it had.
    expect(nack('Message was not accepted by the receiving system: MSA-1 AE (Application internal error)')?.errorSignature).toMatch(/^x-[0-9a-f]{16}$/);
  });

  it('falls back to the error text and the exception class when Mirth says "No exception message.", and reads the Java Date text', () => {
    const [event] = eventsOf(normalizeMirth(json('mirth/alert-serializer-error-minimal.json'), context));

    expect(event).toMatchObject({ symptom: 'SERIALIZER ERROR: Error converting message', errorSignature: 'SerializerException', occurredAt: '2026-11-24T15:05:00.000Z' });
  });

  it('scrubs patient data out of the error and requires a channel and an error', () => {
    const [event] = eventsOf(normalizeMirth({ channelName: 'ADT', errorMessage: 'No patient found for MRN 12345678, pt Sanford861, Carolee951 DOB 1969-03-27' }, context));

    expect(event?.symptom).toBe('No patient found for [redacted:mrn], pt [redacted:name] [redacted:dob]');
    expect(normalizeMirth({ errorMessage: 'x' }, context)).toMatchObject({ ok: false, field: 'channelName' });
    expect(normalizeMirth({ channelName: 'ADT' }, context)).toMatchObject({ ok: false, field: 'error' });
  });
});
