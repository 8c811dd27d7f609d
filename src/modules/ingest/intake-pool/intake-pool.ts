import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMarkedAsUntransferable, Worker } from 'node:worker_threads';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { CorralConfig } from '../../config/corral-config.js';
import { Enricher } from '../../enrichment/enricher.js';
import { UnavailableError } from '../../http/domain-errors.js';
import { Inbox } from '../../inbox/inbox.service.js';
import type { RawJson } from '../json-body.js';
import { refusalError, type CanonicalPrepared, type IntakeJob, type IntakeReply, type NativePrepared } from './intake-job.js';
import { WorkerLostError, WorkerPool } from './worker-pool.js';

/**
 * Bodies smaller than this are prepared on the main thread. Measured with the built worker (an
 * Alertmanager webhook of n alerts, main-thread time per request, warm): 1 alert (0.9 KB) 27 µs
 * inline vs 41 µs to post it and take the reply, 2 alerts (1.4 KB) 47 vs 47, 4 (2.3 KB) 93 vs 46,
 * 8 (4.2 KB) 164 vs 59, 500 (240 KB) ~9 ms vs ~1.8 ms. The hop adds ~40–100 µs of latency and some
 * CPU in total, so a single event stays inline and anything from a handful of alerts up moves.
 */
export const POOL_MIN_BYTES = 4 * 1024;

/** A job this long has a stuck worker (a 500-alert webhook takes about 20 ms). */
const JOB_TIMEOUT_MS = 10_000;

/** The worker's entry, beside this file once built; running from sources (ts-jest) there is none. */
let workerUrl = new URL('./intake-worker.js', import.meta.url);

/**
 * Tests run corral from its sources, where no worker can start (a thread loads JavaScript): an
 * in-process suite points the pool at the built worker (dist) before it creates the app.
 */
export function useIntakeWorker(url: URL): void {
  workerUrl = url;
}

/**
 * Intake worker threads (INTAKE_WORKERS): a large ingest body is parsed, normalized, privacy-filtered,
 * admitted, keyed and written as inbox rows' text there, and the main thread only appends the rows
 * and answers. Issue 23: that work held the one main thread at about 40 µs an alert, and intake
 * topped out at half of Alertmanager's rate on two cores.
 *
 * Inline (no workers) when the inbox is off (several instances: inputs go to their owners as
 * objects, not rows) and when FHIR enrichment is on (the enricher needs the events before their
 * append); always for HL7 (text) and for bodies under POOL_MIN_BYTES.
 */
@Injectable()
export class IntakePool implements OnModuleDestroy {
  private readonly pool: WorkerPool<IntakeJob, IntakeReply> | undefined;

  constructor(config: CorralConfig, inbox: Inbox, enricher: Enricher, @InjectPinoLogger(IntakePool.name) logger: PinoLogger) {
    const size = inbox.enabled && !enricher.enabled ? config.inbox.intakeWorkers : 0;
    if (size === 0) return;
    const entry = workerUrl;
    if (!existsSync(fileURLToPath(entry))) {
      logger.info('intake workers need the built worker (dist); running from sources, intake stays on the main thread');
      return;
    }
    this.pool = new WorkerPool({
      size,
      // The token key goes with the thread, never in a message; the worker never logs it.
      spawn: () => new Worker(entry, { workerData: { tokenKey: config.tokenKey } }),
      jobTimeoutMs: JOB_TIMEOUT_MS,
      lost: (detail) => logger.error({ detail }, 'intake worker lost: its requests were answered 503'),
    });
  }

  /** Whether a body of these bytes goes to a worker. */
  takes(bytes: RawJson): boolean {
    return this.pool?.running === true && bytes.byteLength >= POOL_MIN_BYTES;
  }

  /** The worker threads (tests). */
  get workers(): readonly Worker[] {
    return this.pool?.workers ?? [];
  }

  /**
   * Prepares a body in a worker. The bytes are moved there: the caller's buffer is empty afterwards.
   * A refused body throws what the inline path throws; a lost worker, 503 (nothing was kept).
   */
  async prepare(route: 'canonical', bytes: RawJson, correlationId: string, receivedAt: string): Promise<CanonicalPrepared>;
  async prepare(route: IntakeJob['route'], bytes: RawJson, correlationId: string, receivedAt: string): Promise<CanonicalPrepared | NativePrepared>;
  async prepare(route: IntakeJob['route'], bytes: RawJson, correlationId: string, receivedAt: string): Promise<CanonicalPrepared | NativePrepared> {
    if (!this.pool) throw new Error('no intake workers');
    const own = ownsItsBuffer(bytes) ? bytes : new Uint8Array(bytes);
    let reply: IntakeReply;
    try {
      reply = await this.pool.run({ route, bytes: own, correlationId, receivedAt }, [own.buffer as ArrayBuffer]);
    } catch (error) {
      if (error instanceof WorkerLostError) throw new UnavailableError('intake could not read the request (a worker stopped); nothing was kept, retry the request', 1);
      throw error;
    }
    if (reply.kind === 'refused') throw refusalError(reply);
    return reply;
  }

  /**
   * After the shutdown gate closed (its onModuleDestroy; a request already past it is prepared
   * inline): requests in a worker finish, then the workers end. Their appends are asked for before
   * Inbox.beforeApplicationShutdown drains the writer.
   */
  async onModuleDestroy(): Promise<void> {
    await this.pool?.close();
  }
}

/**
 * Whether moving the bytes' buffer moves only them: a view of part of a larger buffer (Node's
 * small-Buffer pool, a socket read holding the headers too) is copied first. Large request bodies
 * are buffers of their own.
 */
function ownsItsBuffer(bytes: RawJson): boolean {
  const { buffer } = bytes;
  return buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength && !isMarkedAsUntransferable(buffer);
}
