import { ApiKeys } from './api-keys.js';
import { looksLikeJwt, type JwtVerifier } from './jwt-verifier.js';
import type { Principal } from './roles.js';

export type Authentication = Principal | { refused: string };

/** Why a request without an Authorization header is refused. */
export const NO_CREDENTIALS = 'no credentials: send Authorization: Bearer <API key or token>';

/** `Authorization: Bearer <API key | JWT>` → who is calling, or why nobody is. */
export class Authenticator {
  constructor(
    private readonly keys: ApiKeys,
    private readonly jwt: JwtVerifier | undefined,
  ) {}

  async authenticate(header: string | undefined): Promise<Authentication> {
    if (!header) return { refused: NO_CREDENTIALS };
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) return { refused: 'Authorization must be "Bearer <API key or token>"' };
    const token = match[1];
    if (looksLikeJwt(token)) return this.jwt ? this.jwt.authenticate(token) : { refused: 'bearer tokens are not enabled (no CORRAL_JWT_JWKS_URL)' };
    return this.keys.authenticate(token);
  }
}

export function isPrincipal(value: Authentication): value is Principal {
  return !('refused' in value);
}
