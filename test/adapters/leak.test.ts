import { jetstream } from '@nats-io/jetstream';
import { apiFetch, withClient } from '../support/harness.js';
import { fixture, fixtureJson, HL7_TYPE } from './adapter-support.js';
import { spawnCorral, type SpawnedCorral } from './spawned-corral.js';

interface Patient {
  name: Array<{ given: string[]; family: string }>;
  identifier: Array<{ value: string }>;
  birthDate: string;
  telecom: Array<{ value: string }>;
  address: Array<{ line: string[]; city: string; state: string; postalCode: string }>;
}

// The Synthea patient's own identifiers, read from the fixture rather than retyped, in the forms
// they take in HL7 (compact dates, digits only) as well as in prose.
const bundle = fixtureJson<{ entry: Array<{ resource: Patient & { resourceType: string } }> }>('fhir/synthea-patient-carolee951.json');
const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
const [official, maiden] = patient.name;
const given = official?.given[0];
const family = official?.family;
const mrn = patient.identifier[1]?.value;
const ssn = patient.identifier.find((i) => /^\d{3}-\d{2}-\d{4}$/.test(i.value))?.value as string;
const phone = patient.telecom[0]?.value;
const street = patient.address[0]?.line[0];
const zip = patient.address[0]?.postalCode;
const [year, month, day] = patient.birthDate.split('-');
const NEEDLES = [
  given, family, maiden?.family, mrn, mrn.slice(0, 8), ssn, ssn.replace(/-/g, ''), patient.birthDate, `${year}${month}${day}`,
  `${month}/${day}/${year}`, phone, phone.replace(/-/g, ''), street, street.split(' ').slice(1).join(' '), zip,
  ...patient.identifier.slice(3).map((i) => i.value),
].map((n) => n.toLowerCase());

const who = `${given} ${family}`;
const report = `Patient ${who} (MRN ${mrn}, DOB ${patient.birthDate}, SSN ${ssn}, tel ${phone}, ${street}, ${patient.address[0]?.city}, ${patient.address[0]?.state} ${zip}) wristband prints blank`;
const pid = `PID|1||${mrn}^^^MR~${ssn}^^^USSSA^SS||${family}^${given}^^^Mrs.||${year}${month}${day}|F|||${street}^^${patient.address[0]?.city}^WA^${zip}||${phone}|||||${ssn.replace(/-/g, '')}`;
const mirthError = `ERROR MESSAGE: Transformer error\ncom.mirth.connect.server.MirthJavascriptTransformerException: no match for pt ${family}, ${given} DOB ${month}/${day}/${year}\nMSH|^~\\&|ADT1|GHH|LAB|GHH|20261124070000||ADT^A01|M1|P|2.5.1\r${pid}\rPV1|1|I|2000^2012^01`;
const nack = `MSH|^~\\&|LIS|OVERLAKE|ADT1|OVERLAKE|20261124070000||ACK^A01^ACK|A77|P|2.5.1\rMSA|AE|M1|Unknown patient ${family}^${given} MRN ${mrn}\rERR||PID^1^3|204^Unknown key identifier^HL70357|E||||Patient ${family}, ${given} born ${patient.birthDate} not on file\r${pid}\rPV1|1|I|2000^2012^01`;

describe('no patient identifier survives ingestion', () => {
  let corral: SpawnedCorral;
  const responses: string[] = [];

  beforeAll(async () => {
    corral = await spawnCorral({ LOG_LEVEL: 'trace' });
  });
  afterAll(async () => {
    await corral?.stop();
  });

  const post = async (path: string, body: string, contentType = 'application/json') => {
    const response = await apiFetch(`${corral.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });
    const text = await response.text();
    responses.push(text);
    return response.status;
  };
  const get = async (path: string) => {
    const response = await apiFetch(`${corral.baseUrl}${path}`);
    const text = await response.text();
    responses.push(text);
    return { status: response.status, body: JSON.parse(text) as unknown };
  };

  it('plants them in reports, Mirth errors and HL7 messages over HTTP and NATS, valid and invalid, and finds them nowhere afterwards', async () => {
    const helpdesk = { id: 'INC-LEAK-1', channel: 'phone', text: report, requester: 'nurse.leak@example.org', system: 'zebra-wristband', facility: 'overlake' };
    const mirth = { ...fixtureJson('mirth/alert-destination-error.json'), error: mirthError, errorMessage: `no match for pt ${family}, ${given}` };
    expect(await post('/v1/ingest/helpdesk', JSON.stringify(helpdesk))).toBe(202);
    expect(await post('/v1/ingest/mirth', JSON.stringify(mirth))).toBe(202);
    expect(await post('/v1/ingest/hl7', nack, HL7_TYPE)).toBe(202);
    // Refused input must not echo what it refused.
    expect(await post('/v1/ingest/helpdesk', JSON.stringify({ ...helpdesk, channel: 'fax' }))).toBe(400);
    expect(await post('/v1/ingest/helpdesk', `{"text": "${report}", `)).toBe(400);
    expect(await post('/v1/ingest/hl7', `${pid}\r`, HL7_TYPE)).toBe(400);
    expect(await post('/v1/events', JSON.stringify({ id: 'x', symptom: report }))).toBe(400);

    const js = jetstream(corral.nats.nc);
    const publish = (source: string, body: string) => js.publish(corral.nats.subjects.in(source), new TextEncoder().encode(body));
    await publish('helpdesk', JSON.stringify({ ...helpdesk, id: 'INC-LEAK-2' }));
    await publish('mirth', JSON.stringify({ ...mirth, messageId: '2' }));
    await publish('hl7', nack.replace('|A77|', '|A78|'));
    await publish('helpdesk', JSON.stringify({ ...helpdesk, channel: 'fax' }));
    await publish('helpdesk', `{"text": "${report}" !`);
    await publish('hl7', fixture('hl7/adt-a01-ms-fhir-converter.hl7').replace('EVERYMAN^ADAM', `${family}^${given}`));
    await publish('canonical', JSON.stringify({ id: 'y', symptom: report }));

    const letters = await waitFor(async () => ((await get('/v1/dead-letters')).body as { items: unknown[] }).items, (items) => items.length === 4);
    expect(letters).toHaveLength(4);
    const incidents = await waitFor(async () => ((await get('/v1/incidents?limit=500')).body as { items: Array<{ id: string; childCount: number }> }).items, (items) => items.reduce((n, i) => n + i.childCount, 0) === 6);
    for (const incident of incidents) {
      await get(`/v1/incidents/${incident.id}`);
      await get(`/v1/incidents/${incident.id}/timeline`);
    }
    await get('/v1/audit');

    // The database: every row of every table, as JSON.
    const tables = await withClient(corral.db.url, async (c) => {
      const names = await c.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
      const dumps: string[] = [];
      for (const { table_name } of names.rows) dumps.push(...(await c.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table_name}" t`)).rows.map((r) => r.row));
      return { names: names.rows.map((r) => r.table_name), dump: dumps.join('\n') };
    });
    expect(tables.names).toEqual(expect.arrayContaining(['incident', 'incident_child', 'journal', 'dead_letter']));
    // What was planted did arrive, scrubbed: the report, the Mirth error and the NACK are all there.
    expect(tables.dump).toContain('INC-LEAK-1');
    expect(tables.dump).toContain('[redacted:name]');
    expect(tables.dump).toMatch(/LIS/);

    // The DLQ stream, as a NATS consumer of corral.dlq.> would read it.
    const dlq = await corral.nats.jsm.streams.info(corral.nats.subjects.dlqStream);
    const consumer = await js.consumers.get(corral.nats.subjects.dlqStream);
    const published: string[] = [];
    for (let i = 0; i < dlq.state.messages; i++) {
      const m = await consumer.next({ expires: 2000 });
      if (m) published.push(new TextDecoder().decode(m.data));
    }
    expect(published).toHaveLength(4);

    const places: Record<string, string> = { database: tables.dump, 'API responses': responses.join('\n'), 'DLQ stream': published.join('\n'), logs: corral.output() };
    expect(places.logs).toMatch(/dead-lettered/);
    for (const [place, haystack] of Object.entries(places)) {
      const found = NEEDLES.filter((needle) => haystack.toLowerCase().includes(needle));
      expect([place, found]).toEqual([place, []]);
    }
  });
});

async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 15_000;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await probe();
  }
  return value;
}
