import { JwtVerifier } from '../src/modules/auth/jwt-verifier.js';
import { AUDIENCE, ISSUER, TestIssuer } from './auth-support.js';

/**
 * Where the role sits in a token: IdPs disagree. Auth0 and Okta put custom claims under a URL
 * (dots in the name); Keycloak and Entra nest them (`realm_access.roles`). Real tokens, signed by a
 * real key and checked against its JWKS over HTTP.
 */
describe('the role claim (CORRAL_JWT_ROLE_CLAIM)', () => {
  let issuer: TestIssuer;
  const verifierFor = (roleClaim: string) => new JwtVerifier({ jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE, roleClaim });

  beforeAll(async () => {
    issuer = await TestIssuer.start();
  });

  afterAll(async () => {
    await issuer?.close();
  });

  it('reads a namespaced claim whose name has dots in it, as Auth0 and Okta issue them', async () => {
    const claim = 'https://corral.example.org/role';
    const principal = await verifierFor(claim).authenticate(await issuer.token('nurse-lead@hospital.example', { [claim]: 'leadership' }));
    expect(principal).toEqual({ kind: 'jwt', id: 'jwt:nurse-lead@hospital.example', name: 'nurse-lead@hospital.example', role: 'leadership' });
  });

  it('still walks into nested objects, taking the first corral role of a list', async () => {
    const token = await issuer.token('analyst@hospital.example', { realm_access: { roles: ['offline_access', 'agent', 'admin'] } });
    expect(await verifierFor('realm_access.roles').authenticate(token)).toMatchObject({ role: 'agent' });
  });

  it('refuses a token whose claim holds no corral role, naming the claim', async () => {
    const claim = 'https://corral.example.org/role';
    const token = await issuer.token('visitor@hospital.example', { [claim]: ['guest'] });
    expect(await verifierFor(claim).authenticate(token)).toEqual({ refused: `token carries no corral role in claim "${claim}"` });
  });

  it('refuses a token without an expiry or an issue time, however valid its signature, and names the claim', async () => {
    const claim = 'corral_role';
    const verifier = verifierFor(claim);
    const forever = await issuer.token('forever@hospital.example', { [claim]: 'admin' }, { expiresIn: null });
    expect(await verifier.authenticate(forever)).toEqual({ refused: 'token refused (ERR_JWT_CLAIM_VALIDATION_FAILED: missing "exp")' });
    const undated = await issuer.token('undated@hospital.example', { [claim]: 'admin' }, { issuedAt: false });
    expect(await verifier.authenticate(undated)).toEqual({ refused: 'token refused (ERR_JWT_CLAIM_VALIDATION_FAILED: missing "iat")' });
    // The same token with both claims is fine: the refusal is about the claims, not the rest.
    expect(await verifier.authenticate(await issuer.token('dated@hospital.example', { [claim]: 'admin' }))).toMatchObject({ role: 'admin' });
  });
});
