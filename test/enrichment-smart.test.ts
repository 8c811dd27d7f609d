import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, generateKeyPair } from 'jose';
import type { EnrichedContext } from '../src/correlation/canonical-event.js';
import { fixtureBundle, resourcesOf, TestFhirServer } from './enrichment-support.js';
import { canonical, eventually, getJson, postJson, useCorralSuite } from './support/harness.js';

// SMART Backend Services end to end: corral signs an assertion with its private key, the token
// endpoint verifies it with the registered public key, and the FHIR server accepts only that token.

const OVERLAKE = 'c809c579-2e8f-377c-a6c8-358d22454adb';
const { publicKey, privateKey } = await generateKeyPair('RS384', { extractable: true });
const keyFile = join(mkdtempSync(join(tmpdir(), 'corral-fhir-key-')), 'fhir-key.pem');
writeFileSync(keyFile, await exportPKCS8(privateKey), { mode: 0o600 });
const fhir = await TestFhirServer.start(resourcesOf(fixtureBundle('synthea-hospitals.json')), {
  token: 'smart-issued-token-1',
  smart: { clientId: 'corral-backend', publicKey },
});

const suite = useCorralSuite({
  FHIR_BASE_URL: fhir.baseUrl,
  FHIR_CLIENT_ID: 'corral-backend',
  FHIR_TOKEN_URL: fhir.tokenUrl,
  FHIR_PRIVATE_KEY_FILE: keyFile,
  FHIR_KEY_ID: 'corral-test-1',
});
afterAll(() => fhir.stop());

describe('SMART Backend Services', () => {
  it('gets a token with a signed assertion once and reads the directory with it', async () => {
    for (const id of ['smart-1', 'smart-2']) {
      expect((await postJson(`${suite.corral.baseUrl}/v1/events?wait=correlated`, canonical({ id, system: 'epic-adt', errorSignature: 'SMART', facility: OVERLAKE }))).status).toBe(202);
    }
    const { body } = await eventually(
      () => getJson<{ items: Array<{ context: EnrichedContext | null }> }>(`${suite.corral.baseUrl}/v1/incidents`),
      (r) => r.body.items.length === 1,
    );
    // The FHIR server answers 401 without the issued token, so a name here proves the whole exchange.
    expect(body.items[0]?.context).toEqual({ enrichment: 'ok', facilityName: 'OVERLAKE HOSPITAL MEDICAL CENTER', siteName: 'OVERLAKE HOSPITAL MEDICAL CENTER' });
    expect(fhir.requests.filter((r) => r.startsWith('POST /token'))).toHaveLength(1);
  });
});
