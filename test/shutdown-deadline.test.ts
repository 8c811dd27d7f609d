import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Subjects } from '../src/modules/bus/message-bus.js';
import { CorralProcess } from './support/corral-process.js';
import { OwnNats } from './support/own-nats.js';
import { createTestDatabase, TOKEN_KEY, type TestDatabase } from './support/harness.js';

/**
 * A stop has a deadline: Kubernetes sends SIGKILL 30 s after SIGTERM, and a corral that waits for an
 * unreachable broker for ever is killed mid-write instead of saying what it left. The broker here is
 * the suite's own, killed on purpose.
 */
describe('SIGTERM while NATS is unreachable', () => {
  let db: TestDatabase;
  let nats: OwnNats;
  let corral: CorralProcess | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await OwnNats.start();
  });

  afterAll(async () => {
    await corral?.stop('SIGKILL');
    await nats?.close();
    await db?.drop();
  });

  it('exits within SHUTDOWN_TIMEOUT_MS, non-zero, naming what it leaves for redelivery', async () => {
    const namespace = `dl${Date.now()}`;
    corral = new CorralProcess({
      DATABASE_URL: db.url,
      NATS_URL: nats.url,
      NATS_NAMESPACE: namespace,
      CORRAL_TOKEN_KEY: TOKEN_KEY,
      CORRAL_DATA_DIR: mkdtempSync(join(tmpdir(), 'corral-deadline-')),
      LOG_LEVEL: 'warn',
      SHUTDOWN_TIMEOUT_MS: '4000',
    });
    await corral.start();
    // Work in flight through the broker, then the broker goes away without a goodbye.
    const nc = await connect({ servers: nats.url });
    const js = jetstream(nc);
    const subject = new Subjects(namespace).in('canonical');
    await Promise.all(
      Array.from({ length: 200 }, (_, n) =>
        js.publish(subject, JSON.stringify({ id: `dl-${n}`, schemaVersion: '1', kind: 'alert', source: { type: 'canonical', system: 'gen' }, occurredAt: new Date().toISOString(), status: 'firing', severity: 'medium', system: `dl-sys-${n % 10}`, symptom: 'x', patientImpact: false })),
      ),
    );
    await nc.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await nats.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const sent = Date.now();
    const exited = await Promise.race([corral.stop('SIGTERM'), new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000).unref())]);
    const seconds = (Date.now() - sent) / 1000;
    expect({ exited, within: seconds < 10 }).toEqual({ exited: 1, within: true });
    if (exited !== 1) console.log(corral.output);
    expect(corral.output).toMatch(/shutdown deadline of 4000 ms passed; exiting with what was committed\. Left: \d+ input\(s\) not committed/);
  }, 60_000);
});
