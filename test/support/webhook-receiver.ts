import { createServer, type Server } from 'node:http';

export interface Received {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A helpdesk stand-in on loopback: records every request, and answers 503 to the first `failFirst`. */
export class WebhookReceiver {
  readonly requests: Received[] = [];
  private server: Server | undefined;
  failFirst = 0;

  get url(): string {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('receiver not started');
    return `http://127.0.0.1:${address.port}/hook`;
  }

  /** Requests that were answered 2xx, bodies parsed. */
  accepted<T = Record<string, unknown>>(): Array<{ body: T; raw: string; headers: Received['headers'] }> {
    return this.requests.filter((r) => r.status < 300).map((r) => ({ body: JSON.parse(r.body) as T, raw: r.body, headers: r.headers }));
  }

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.requests.length < this.failFirst ? 503 : 200;
        this.requests.push({ status, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{"ok":true}' : '{"error":"maintenance"}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
