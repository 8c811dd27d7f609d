import { fixtureBundle, resourcesOf, TestFhirServer } from './enrichment-support.js';
import { canonical, postJson, useCorralSuite } from './support/harness.js';

// A storm of distinct device ids against an EHR that is slow: each id is its own lookup, and each
// lookup held a request to the EHR open (and later wrote its record) however many there were.
const MAX_CONCURRENT = 4;
const DEVICES = 60;

describe('enrichment under a storm of distinct lookups', () => {
  let fhir: TestFhirServer;
  beforeAll(async () => {
    fhir = await TestFhirServer.start(resourcesOf(fixtureBundle('hospital-directory.json')));
  });
  afterAll(() => fhir?.stop());
  const suite = useCorralSuite(() => ({
    FHIR_BASE_URL: fhir.baseUrl,
    FHIR_TIMEOUT_MS: '800',
    // The EHR takes the connection and never answers; the breaker would hide the storm.
    FHIR_BREAKER_FAILURES: '1000',
    FHIR_MAX_CONCURRENT: String(MAX_CONCURRENT),
  }));

  it('asks the EHR at most FHIR_MAX_CONCURRENT questions at once; the other events go on without context', async () => {
    fhir.hang = true;
    const events = Array.from({ length: DEVICES }, (_, n) => canonical({ id: `dev-${n}`, system: 'alaris-pumps', errorSignature: 'PUMP_OFFLINE', labels: { device: `PUMP-${1000 + n}` } }));
    const reply = await postJson<{ accepted: number }>(`${suite.corral.baseUrl}/v1/events?wait=correlated`, events);
    expect(reply.status).toBe(202);
    expect(reply.body.accepted).toBe(DEVICES);
    // The deadline ended the wait for the four asked (one facility, three devices); the others were never sent.
    expect(fhir.requests).toHaveLength(MAX_CONCURRENT);
  });
});
