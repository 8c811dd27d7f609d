import { LeaseRenewer } from './lease-renewer.js';

describe('LeaseRenewer', () => {
  it('rejects start() with what to do when its thread exits before reporting once, and does not restart it', async () => {
    const crashes: unknown[] = [];
    // Under ts-jest the thread's module (lease-renewer.worker.js beside this file) does not exist: it dies at once.
    const renewer = new LeaseRenewer(
      { url: 'postgres://127.0.0.1:1/none', instanceId: 'x', leaseMs: 1_000, everyMs: 250, maxStallMs: 5_000, shared: new SharedArrayBuffer(16) },
      () => undefined,
      (error) => crashes.push(error),
    );
    await expect(renewer.start()).rejects.toThrow(/before renewing once.*npm run build/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The 'error' event is reported; no restart happened (that would add "restarting it" crashes).
    expect(crashes.filter((e) => String(e).includes('restarting'))).toEqual([]);
    await renewer.stop();
  });
});
