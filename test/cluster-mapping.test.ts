import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { partitionOf, signatureToken } from '../src/modules/cluster/partitioning.js';
import { freePort, sleep } from './cluster-support.js';

/**
 * corral computes a signature's partition itself; deploy/nats.conf maps `corral.sigkey.<token>` to
 * `corral.sig.{{partition(64,1)}}.<token>` for producers that only know the token. Both must agree,
 * so this starts the machine's own nats-server (2.9 here) with that mapping and compares.
 */
describe('partition(): corral and nats-server agree', () => {
  it('files 300 signature tokens under the partition partitionOf computes', async () => {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'corral-natsmap-'));
    writeFileSync(join(dir, 'nats.conf'), `port: ${port}\nmappings: { "corral.sigkey.*": "corral.sig.{{partition(64,1)}}.{{wildcard(1)}}" }\n`);
    const server = spawn('nats-server', ['-c', join(dir, 'nats.conf')], { stdio: 'ignore' });
    try {
      let nc;
      for (let i = 0; !nc; i++) {
        nc = await connect({ servers: `127.0.0.1:${port}` }).catch(async (error: unknown) => {
          if (i > 50) throw error;
          await sleep(100);
          return undefined;
        });
      }
      const filed = new Map<string, number>();
      nc.subscribe('corral.sig.>', { callback: (_, m) => void filed.set(m.subject.split('.')[3], Number(m.subject.split('.')[2])) });
      const signatures = Array.from({ length: 300 }, (_, i) => `alert|system-${i}|E${i % 11}|facility-${i % 5}`);
      for (const signature of signatures) nc.publish(`corral.sigkey.${signatureToken(signature)}`);
      await nc.flush();
      await sleep(200);
      expect(filed.size).toBe(300);
      expect(signatures.filter((s) => filed.get(signatureToken(s)) !== partitionOf(s, 64))).toEqual([]);
      await nc.close();
    } finally {
      server.kill('SIGTERM');
    }
  });
});
