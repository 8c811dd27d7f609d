import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

// A helpdesk that answers with what its vendor documents: each exchange recorded from the public
// API documentation (test/fixtures/helpdesk/<vendor>/*.json: the request the docs show and the
// answer they give), served over real HTTP on a loopback port in the order a test scripts them.
// A request nobody scripted is answered 501 and kept, so a test sees what a connector sent that
// the vendor's documentation does not describe.

export interface Exchange {
  source: string;
  request: { method: string; path: string; headers?: Record<string, string>; body: unknown };
  response: { status: number; headers?: Record<string, string>; body: unknown };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

interface Scripted {
  method: string;
  path: RegExp;
  exchange: Exchange;
  answer: (received: Received) => unknown;
}

export function recorded(vendor: 'servicenow' | 'jsm', name: string): Exchange {
  return JSON.parse(readFileSync(join('test', 'fixtures', 'helpdesk', vendor, `${name}.json`), 'utf8')) as Exchange;
}

export class RecordedHelpdesk {
  readonly received: Received[] = [];
  readonly unexpected: Received[] = [];
  private readonly script: Scripted[] = [];

  private constructor(private readonly server: Server) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<RecordedHelpdesk> {
    const holder: { helpdesk?: RecordedHelpdesk } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const received: Received = { method: request.method ?? '', path: request.url ?? '', headers: request.headers, body: text === '' ? null : (JSON.parse(text) as unknown) };
        holder.helpdesk?.answer(received, (status, headers, body) => {
          response.writeHead(status, { 'content-type': 'application/json', ...headers });
          response.end(body === null || body === undefined ? '' : JSON.stringify(body));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    holder.helpdesk = new RecordedHelpdesk(server);
    return holder.helpdesk;
  }

  /**
   * The next request with this method and a path matching `path` gets the exchange's recorded
   * answer; `answer` may change its body (the ids a real instance would have given this test).
   */
  expect(method: string, path: RegExp, exchange: Exchange, answer: (received: Received, recordedBody: unknown) => unknown = (_r, body) => body): this {
    this.script.push({ method, path, exchange, answer: (received) => answer(received, structuredClone(exchange.response.body)) });
    return this;
  }

  /** Scripted exchanges no request has used yet. */
  get pending(): string[] {
    return this.script.map((s) => `${s.method} ${String(s.path)} (${s.exchange.source})`);
  }

  private answer(received: Received, send: (status: number, headers: Record<string, string>, body: unknown) => void): void {
    this.received.push(received);
    const at = this.script.findIndex((s) => s.method === received.method && s.path.test(received.path));
    if (at < 0) {
      this.unexpected.push(received);
      send(501, {}, { error: { message: `unscripted ${received.method} ${received.path}` } });
      return;
    }
    const [scripted] = this.script.splice(at, 1);
    const { status, headers } = scripted.exchange.response;
    const lower = Object.fromEntries(Object.entries(headers ?? {}).filter(([key]) => key.toLowerCase() !== 'content-type'));
    send(status, lower, scripted.answer(received));
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
