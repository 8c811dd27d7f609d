import { createServer } from 'node:net';

/** The embedded PostgreSQL's port when EMBEDDED_PG_PORT is not set, and the first one tried. */
export const DEFAULT_EMBEDDED_PG_PORT = 54329;
/** Tried in order after the default, so that a second checkout gets a predictable neighbour. */
const NEIGHBOURS = 100;

/**
 * The port to start the embedded PostgreSQL on. An explicit EMBEDDED_PG_PORT is taken as a
 * requirement: an operator who set it expects that port, so a busy one is an error, not a
 * surprise elsewhere. Otherwise the port used last time is kept, then 54329 and its neighbours are
 * tried, then any port the OS offers.
 */
export async function choosePort(explicit: number | undefined, remembered: number | undefined, avoid: ReadonlySet<number> = new Set()): Promise<number> {
  if (explicit !== undefined) {
    if (await isFree(explicit)) return explicit;
    throw new Error(
      `EMBEDDED_PG_PORT=${explicit} is in use by another program. Free that port, set EMBEDDED_PG_PORT to another one, ` +
        `or leave it unset to let corral choose a free port itself.`,
    );
  }
  const candidates = [remembered, ...Array.from({ length: NEIGHBOURS + 1 }, (_, i) => DEFAULT_EMBEDDED_PG_PORT + i)];
  for (const port of candidates) {
    if (port !== undefined && !avoid.has(port) && (await isFree(port))) return port;
  }
  return anyFreePort();
}

/** Whether nothing listens on the loopback address PostgreSQL will bind. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
