// An intake worker thread (IntakePool): parses and normalizes request bodies off the main thread.
// The DTO's decorators (class-validator, swagger) read metadata, as in the main thread.
import 'reflect-metadata';
import { parentPort, workerData } from 'node:worker_threads';
import { runIntakeJob, type IntakeJob, type IntakeReply } from './intake-job.js';
import type { WorkerMessage } from './worker-pool.js';

/** The token key comes with the thread (workerData), never in a message, and is never logged. */
const { tokenKey } = workerData as { tokenKey: string };

parentPort?.on('message', ({ id, job }: { id: number; job: IntakeJob }) => {
  let message: WorkerMessage<IntakeReply>;
  try {
    message = { id, reply: runIntakeJob(job, tokenKey) };
  } catch (error) {
    // A bug: the main thread answers it like one of its own (500); never the message, which may quote the body.
    message = { id, failed: error instanceof Error ? error.name : typeof error };
  }
  parentPort?.postMessage(message);
});
