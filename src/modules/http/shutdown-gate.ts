import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import type { onRequestHookHandler } from 'fastify';
import { refuseEarly } from './api-exception.filter.js';

/**
 * Refuses every request once corral is stopping. Nest closes the HTTP server only after every
 * `beforeApplicationShutdown` hook has run, and one of those drains the batcher: while senders
 * kept posting, the drain never ran dry, and the process never exited (until killed, leaving the
 * JetStream messages it held to be redelivered). `onModuleDestroy` runs before all of those hooks.
 * Requests already taken are answered as usual once their batch commits.
 */
@Injectable()
export class ShutdownGate implements OnModuleDestroy {
  private closing = false;

  onModuleDestroy(): void {
    this.closing = true;
  }

  /** Fastify `onRequest` hook: runs before the body is read, so that a refused body is not read. */
  readonly hook: onRequestHookHandler = (_request, reply, done) => {
    if (!this.closing) return done();
    // The connection closes: a keep-alive sender reconnects, to another instance or to us restarted.
    refuseEarly(reply, 503, 'corral is shutting down; nothing of this request was kept. Retry in a few seconds (another instance, or this one once it has restarted).', { 'retry-after': '5' });
  };
}
