import { fixtureBundle, resourcesOf, TestFhirServer } from './enrichment-support.js';
import { canonical, createTestDatabase, postJson, startCorral, TestNats, type RunningCorral, type TestDatabase } from './support/harness.js';

// A storm of distinct device ids against an EHR that is slow: each id is its own lookup, and each
// lookup held a request to the EHR open (and later wrote its record) however many there were.
const MAX_CONCURRENT = 4;
const DEVICES = 60;

describe('enrichment under a storm of distinct lookups', () => {
  let fhir: TestFhirServer;
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral | undefined;

  beforeAll(async () => {
    fhir = await TestFhirServer.start(resourcesOf(fixtureBundle('hospital-directory.json')));
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: nats.namespace,
      FHIR_BASE_URL: fhir.baseUrl,
      FHIR_TIMEOUT_MS: '800',
      // The EHR takes the connection and never answers; the breaker would hide the storm.
      FHIR_BREAKER_FAILURES: '1000',
      FHIR_MAX_CONCURRENT: String(MAX_CONCURRENT),
    });
  });
  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
    await fhir?.stop();
  });

  it('asks the EHR at most FHIR_MAX_CONCURRENT questions at once; the other events go on without context', async () => {
    fhir.hang = true;
    const events = Array.from({ length: DEVICES }, (_, n) => canonical({ id: `dev-${n}`, system: 'alaris-pumps', errorSignature: 'PUMP_OFFLINE', labels: { device: `PUMP-${1000 + n}` } }));
    const reply = await postJson<{ accepted: number }>(`${(corral as RunningCorral).baseUrl}/v1/events`, events);
    expect(reply.status).toBe(202);
    expect(reply.body.accepted).toBe(DEVICES);
    // The deadline ended the wait for the four asked; the others were never sent.
    expect(fhir.requests).toHaveLength(MAX_CONCURRENT);
  });
});
