import { createServer, type Server } from 'node:http';
import type { FastifyInstance, HTTPMethods } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { ACCESS_MATRIX } from '../src/modules/auth/access-matrix.js';
import type { Role } from '../src/modules/auth/roles.js';
import type { RunningCorral } from './support/harness.js';

export const ISSUER = 'https://idp.test.example';
export const AUDIENCE = 'corral-api';
export const ROLE_CLAIM = 'corral_role';

/**
 * A stand-in OIDC issuer in the test process: a real key pair and its JWKS served over HTTP, as an
 * IdP publishes it; tokens are signed with jose exactly as an IdP would sign them.
 */
export class TestIssuer {
  private constructor(
    private readonly server: Server,
    readonly jwksUrl: string,
    private readonly privateKey: CryptoKey,
  ) {}

  static async start(): Promise<TestIssuer> {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
    const server = createServer((request, response) => {
      response.writeHead(request.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(request.url === '/jwks.json' ? JSON.stringify({ keys: [jwk] }) : '{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    return new TestIssuer(server, `http://127.0.0.1:${port}/jwks.json`, privateKey);
  }

  env(): Record<string, string> {
    return { CORRAL_JWT_JWKS_URL: this.jwksUrl, CORRAL_JWT_ISSUER: ISSUER, CORRAL_JWT_AUDIENCE: AUDIENCE, CORRAL_JWT_ROLE_CLAIM: ROLE_CLAIM };
  }

  /** `expiresIn: null` or `issuedAt: false` leave that claim out, as a careless IdP setup would. */
  token(subject: string, claims: Record<string, unknown>, options: { audience?: string; key?: CryptoKey; expiresIn?: string | null; issuedAt?: boolean } = {}): Promise<string> {
    const jwt = new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
      .setSubject(subject)
      .setIssuer(ISSUER)
      .setAudience(options.audience ?? AUDIENCE);
    if (options.issuedAt !== false) jwt.setIssuedAt();
    if (options.expiresIn !== null) jwt.setExpirationTime(options.expiresIn ?? '5m');
    return jwt.sign(options.key ?? this.privateKey);
  }

  /** Same kid, same algorithm, another private key: what a forger without the IdP's key can make. */
  static async forgeryKey(): Promise<CryptoKey> {
    return (await generateKeyPair('RS256')).privateKey;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * The routes the running app really serves (not read from the matrix): those Fastify registered
 * as it started (Nest's endpoints; the harness saw each added), and those added earlier, as
 * createApp ran (Swagger's documents and UI files), which Fastify is asked about one by one. Left
 * out: the HEAD twin Fastify adds to every GET, and wildcard routes that serve files only.
 */
export function servedRoutes(corral: RunningCorral): Array<{ method: string; path: string }> {
  const fastify = corral.app.getHttpAdapter().getInstance() as FastifyInstance;
  const early = Object.keys(ACCESS_MATRIX)
    .map((key) => {
      const [method, path] = key.split(' ') as [HTTPMethods, string];
      return { method, path };
    })
    .filter(({ method, path }) => fastify.hasRoute({ method, url: path }));
  const seen = corral.routes.filter((route) => route.method !== 'HEAD' && !route.path.includes('*'));
  return [...seen, ...early.filter((route) => !seen.some((s) => s.method === route.method && s.path === route.path))];
}

/** A concrete URL for a route pattern: unknown ids, so allowed calls cannot change real incidents. */
export function concrete(path: string): string {
  return path
    .replace(':id', '00000000-0000-4000-8000-000000000000')
    .replace(':suggestionId', 'no-such-suggestion')
    .replace(':source', 'alertmanager');
}

export function allowedRoles(key: string): readonly Role[] | 'public' {
  const entry = ACCESS_MATRIX[key];
  if (!entry) throw new Error(`${key} is not in the access matrix`);
  return entry.roles;
}
