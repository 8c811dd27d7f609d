import { Worker } from 'node:worker_threads';
import { WorkerFailedError, WorkerLostError, WorkerPool } from './worker-pool.js';

// A stand-in worker (plain JavaScript: jest runs sources, which a worker thread cannot load): it
// answers a number with [its double, its thread], and misbehaves on request.
const STAND_IN = `
const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', ({ id, job }) => {
  if (job === 'crash') process.exit(3);
  if (job === 'throw') return parentPort.postMessage({ id, failed: 'TypeError' });
  if (job === 'hang') for (;;);
  setTimeout(() => parentPort.postMessage({ id, reply: [job * 2, threadId] }), 20);
});`;

const pools: Array<WorkerPool<unknown, unknown>> = [];
function pool(options: { size?: number; jobTimeoutMs?: number; code?: string } = {}) {
  const lost: string[] = [];
  const made = new WorkerPool<unknown, [number, number]>({ size: options.size ?? 2, spawn: () => new Worker(options.code ?? STAND_IN, { eval: true }), jobTimeoutMs: options.jobTimeoutMs ?? 10_000, lost: (detail) => lost.push(detail) });
  pools.push(made as WorkerPool<unknown, unknown>);
  return { pool: made, lost };
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('WorkerPool', () => {
  it('answers each job, spreading jobs over the least-loaded workers', async () => {
    const { pool: p } = pool();
    const answers = await Promise.all([1, 2, 3, 4].map((n) => p.run(n)));
    expect(answers.map(([double]) => double)).toEqual([2, 4, 6, 8]);
    const threads = answers.map(([, thread]) => thread);
    expect(new Set(threads).size).toBe(2);
    expect(threads.filter((t) => t === threads[0])).toHaveLength(2);
  });

  it('a worker that crashes fails its in-flight jobs at once (never a hang) and is replaced', async () => {
    const { pool: p, lost } = pool({ size: 1 });
    const before = p.workers[0]?.threadId;
    const waiting = p.run(5);
    await expect(p.run('crash')).rejects.toBeInstanceOf(WorkerLostError);
    await expect(waiting).rejects.toBeInstanceOf(WorkerLostError);
    expect(lost).toEqual([expect.stringContaining('exit code 3')]);
    const [double, thread] = await p.run(21);
    expect(double).toBe(42);
    expect(thread).not.toBe(before);
    expect(p.running).toBe(true);
  });

  it('a job that throws in the worker fails alone; the worker stays', async () => {
    const { pool: p } = pool({ size: 1 });
    await expect(p.run('throw')).rejects.toBeInstanceOf(WorkerFailedError);
    expect((await p.run(1))[0]).toBe(2);
  });

  it('a stuck worker is terminated after the job timeout, its jobs fail, and it is replaced', async () => {
    const { pool: p, lost } = pool({ size: 1, jobTimeoutMs: 300 });
    await expect(p.run('hang')).rejects.toBeInstanceOf(WorkerLostError);
    expect(lost[0]).toContain('took over 300 ms');
    expect((await p.run(2))[0]).toBe(4);
  });

  it('close lets jobs in flight finish, then ends the workers; later jobs are refused', async () => {
    const { pool: p } = pool();
    const inFlight = [p.run(1), p.run(2), p.run(3)];
    await p.close();
    expect((await Promise.all(inFlight)).map(([d]) => d)).toEqual([2, 4, 6]);
    expect(p.running).toBe(false);
    await expect(p.run(4)).rejects.toBeInstanceOf(WorkerLostError);
  });

  it('workers that cannot start are given up on: the pool stops running instead of respawning for ever', async () => {
    const { pool: p, lost } = pool({ size: 2, code: 'process.exit(1)' });
    for (let i = 0; i < 100 && p.running; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(p.running).toBe(false);
    expect(lost.at(-1)).toContain('given up');
  });
});
