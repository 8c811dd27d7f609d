import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { JwtConfig } from '../config/corral-config.js';
import { isRole, type Principal, type Role } from './roles.js';

/** A compact JWS: three base64url parts. API keys (`crl_…`) never look like this. */
export const looksLikeJwt = (token: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

/**
 * Bearer tokens from the hospital's OIDC issuer: signature checked against the issuer's JWKS
 * (fetched and cached by jose, refreshed when an unknown `kid` shows up), audience and issuer
 * checked, expiry enforced; the role comes from one configurable claim. `exp` and `iat` are
 * required: jose checks `exp` only when a token has one, and a token without it would be good
 * forever once leaked.
 */
export class JwtVerifier {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;

  constructor(private readonly config: JwtConfig) {
    this.jwks = createRemoteJWKSet(new URL(config.jwksUrl));
  }

  async authenticate(token: string): Promise<Principal | { refused: string }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        audience: this.config.audience,
        ...(this.config.issuer ? { issuer: this.config.issuer } : {}),
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 30,
      }));
    } catch (error) {
      // jose's codes (ERR_JWT_EXPIRED, ERR_JWT_CLAIM_VALIDATION_FAILED, ERR_JWS_SIGNATURE_VERIFICATION_FAILED …) say why without
      // echoing the token; a claim failure also names the claim and why (`missing "exp"`), never its value.
      const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
      return { refused: `token refused (${code ?? 'invalid'}${claim && reason ? `: ${reason} "${claim}"` : ''})` };
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') return { refused: 'token has no subject' };
    const role = roleOf(claimAt(payload, this.config.roleClaim));
    if (!role) return { refused: `token carries no corral role in claim "${this.config.roleClaim}"` };
    return { kind: 'jwt', id: `jwt:${payload.sub}`, name: payload.sub, role };
  }
}

/**
 * A claim literally named `path` wins: Auth0 and Okta namespace custom claims as URLs
 * (`https://corral.example.org/role`), dots included. Otherwise `realm_access.roles` walks into
 * nested objects, as Keycloak and Entra shape their claims.
 */
function claimAt(payload: JWTPayload, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path];
  return path.split('.').reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined), payload);
}

/** A single role, or a list of which the first corral role counts (an IdP group list holds other names too). */
function roleOf(value: unknown): Role | undefined {
  if (isRole(value)) return value;
  if (Array.isArray(value)) return value.find(isRole);
  return undefined;
}
