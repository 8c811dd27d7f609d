import { connect, type Socket } from 'node:net';
import { CLOSE_GRACE_MS } from '../src/bootstrap.js';
import { createTestDatabase, startCorral, TestNats, type RunningCorral, type TestDatabase } from './support/harness.js';

/**
 * A client that asks for large answers and stops reading them keeps its connection busy: the
 * server's writes wait on it, and a stop used to wait with them until the client's socket went
 * away (a CI run's suite stop timed out on an unread API-docs script). The stop closes what is still
 * open CLOSE_GRACE_MS after the server stopped taking connections.
 */
describe('a stop with a client that stopped reading', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let corral: RunningCorral | undefined;
  let socket: Socket | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    nats = await TestNats.open();
    corral = await startCorral({ DATABASE_URL: db.url, NATS_URL: nats.url, NATS_NAMESPACE: nats.namespace });
  });

  afterAll(async () => {
    socket?.destroy();
    await corral?.close();
    await nats?.close();
    await db?.drop();
  });

  it('ends within the grace period, closing the stalled connection', async () => {
    const { port } = new URL(corral!.baseUrl);
    socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket!.once('connect', resolve).once('error', reject));
    // Pipelined requests for the largest public answer, far more than the sockets' buffers hold, and never read.
    const ask = `GET /docs/swagger-ui-bundle.js HTTP/1.1\r\nHost: corral\r\n\r\n`;
    socket.write(ask.repeat(40));
    socket.pause();
    const closed = new Promise<void>((resolve) => socket!.once('close', () => resolve()));
    // Time for the server to fill the buffers and block on the stalled reader.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(socket.destroyed).toBe(false);

    const started = Date.now();
    await corral!.close();
    const seconds = (Date.now() - started) / 1000;
    corral = undefined;
    // Read again: what the server sent before it closed, then the close itself.
    socket.on('data', () => undefined).resume();
    await closed;
    expect(seconds).toBeLessThan(CLOSE_GRACE_MS / 1000 + 5);
  });
});
