import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, importPKCS8, SignJWT, type CryptoKey, type JWK, type KeyObject } from 'jose';

/** Where the FHIR client gets its `Authorization` header from. */
export interface TokenSource {
  /** A bearer token, or undefined for an open server. */
  token(): Promise<string | undefined>;
  /** The server refused the current token (401): fetch a new one next time. */
  invalidate(): void;
}

export const noToken: TokenSource = { token: () => Promise.resolve(undefined), invalidate: () => undefined };

export function staticToken(token: string): TokenSource {
  return { token: () => Promise.resolve(token), invalidate: () => undefined };
}

export interface SmartSettings {
  clientId: string;
  tokenUrl: string;
  privateKeyFile: string;
  keyId: string | undefined;
  alg: string;
  scopes: string;
  timeoutMs: number;
}

type Key = { key: CryptoKey | KeyObject | Uint8Array; kid: string | undefined; alg: string };

/**
 * SMART Backend Services (SMART App Launch 2.x, "client-confidential-asymmetric"): corral is a
 * registered backend client; it proves who it is with a short-lived JWT signed by its private key
 * (the EHR holds the public key or a JWKS URL) and gets an access token by client credentials. The
 * token is reused until shortly before it expires; concurrent callers share one token request.
 */
export class SmartBackendServices implements TokenSource {
  private current: { token: string; expiresAt: number } | undefined;
  private pending: Promise<string> | undefined;
  private key: Promise<Key> | undefined;

  constructor(
    private readonly settings: SmartSettings,
    private readonly now: () => number = Date.now,
  ) {}

  token(): Promise<string> {
    if (this.current && this.current.expiresAt > this.now()) return Promise.resolve(this.current.token);
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    return this.pending;
  }

  invalidate(): void {
    this.current = undefined;
  }

  private async request(): Promise<string> {
    const { clientId, tokenUrl, scopes, timeoutMs } = this.settings;
    const { key, kid, alg } = await (this.key ??= loadKey(this.settings));
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(key);
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: scopes,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The error body of a token endpoint is not logged: it may echo the assertion.
    if (!response.ok) throw new Error(`token endpoint answered ${response.status}`);
    const body = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('token endpoint answered without an access_token');
    const lifetimeS = typeof body.expires_in === 'number' ? body.expires_in : 300;
    // Renew a little early, so a token never expires on its way to the server.
    this.current = { token: body.access_token, expiresAt: this.now() + Math.max(0, lifetimeS - 30) * 1000 };
    return body.access_token;
  }
}

/** A PKCS#8 PEM file, or a JWK (a private JWK, as a JWKS-publishing EHR registration expects). */
async function loadKey(settings: SmartSettings): Promise<Key> {
  const text = readFileSync(settings.privateKeyFile, 'utf8').trim();
  if (text.startsWith('{')) {
    const jwk = JSON.parse(text) as JWK;
    const alg = jwk.alg ?? settings.alg;
    return { key: await importJWK(jwk, alg), kid: settings.keyId ?? jwk.kid, alg };
  }
  return { key: await importPKCS8(text, settings.alg), kid: settings.keyId, alg: settings.alg };
}
