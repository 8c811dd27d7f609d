import { createServer } from 'node:net';

/** Where the test suites find Postgres and NATS; global-setup.ts fills these in (and names them again). */
export const ENV = {
  pgAdminUrl: 'CORRAL_TEST_PG_ADMIN_URL',
  natsUrl: 'CORRAL_TEST_NATS_URL',
} as const;

export function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with "npm test" so that global setup can find Postgres and NATS`);
  return value;
}

/** A loopback port nobody is listening on right now, for a corral or peer a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
