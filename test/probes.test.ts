import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { OwnNats } from './support/own-nats.js';
import { apiFetch, createTestDatabase, eventually, startCorral, type RunningCorral, type TestDatabase } from './support/harness.js';

/**
 * Docker's HEALTHCHECK and Kubernetes' probes send no credentials: liveness and readiness must
 * answer them, with the verdict only; what each dependency said stays behind a key.
 */
describe('health probes without credentials', () => {
  let db: TestDatabase;
  let nats: OwnNats;
  let corral: RunningCorral;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await OwnNats.start();
    corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: `probe${Date.now()}` });
  }, 30_000);

  afterAll(async () => {
    await corral?.close();
    await nats?.close();
    await db?.drop();
  });

  const probe = (path: string, key?: string | null) => apiFetch(`${corral.baseUrl}${path}`, {}, { key });

  /** The Dockerfile's HEALTHCHECK command, run as Docker runs it (no key), against this corral's port; its exit code. */
  const dockerHealthcheck = (): Promise<number | null> => {
    const [command, ...args] = JSON.parse(/^HEALTHCHECK .*CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1] ?? '[]') as string[];
    expect(command).toBe('node');
    const child = spawn(process.execPath, args, { env: { PATH: process.env.PATH ?? '', PORT: new URL(corral.baseUrl).port }, stdio: 'ignore' });
    return new Promise((resolve) => child.once('exit', resolve));
  };

  it('answers liveness and readiness to a caller with no key, and the details only to a caller with one', async () => {
    const live = await probe('/health/live', null);
    expect(live.status).toBe(200);

    const ready = await probe('/health/ready', null);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok' });

    // A caller with a key (any role) sees what each dependency said.
    const detailed = await probe('/health/ready');
    expect(detailed.status).toBe(200);
    expect(await detailed.json()).toMatchObject({ status: 'ok', details: { db: { status: 'up' }, nats: { status: 'up', transport: 'jetstream' } } });

    // A wrong key on a probe is no reason to fail it: it is answered as anonymous.
    const wrongKey = await probe('/health/ready', `crl_${'B'.repeat(43)}`);
    expect(wrongKey.status).toBe(200);
    expect(await wrongKey.json()).toEqual({ status: 'ok' });

    // The image's HEALTHCHECK sends no key: the container is healthy.
    expect(await dockerHealthcheck()).toBe(0);
  });

  it('answers 503 without credentials when a dependency is down, without saying what failed or where', async () => {
    await nats.kill();
    try {
      const down = await eventually(() => probe('/health/ready', null), (response) => response.status === 503, 15_000);
      const body = (await down.json()) as Record<string, unknown>;
      expect(body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'not ready: a dependency does not answer' });
      // Liveness says nothing about dependencies: an orchestrator must not restart corral for a broker outage.
      expect((await probe('/health/live', null)).status).toBe(200);
      const detailed = await probe('/health/ready');
      expect(detailed.status).toBe(503);
      expect(await detailed.json()).toMatchObject({ statusCode: 503, details: { nats: { status: 'down' } } });
      expect(await dockerHealthcheck()).toBe(1);
    } finally {
      await nats.restart();
    }
  }, 30_000);
});
