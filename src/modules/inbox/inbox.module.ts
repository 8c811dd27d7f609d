import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { DeadLetterRepository } from '../ingest/dead-letters/dead-letter.repository.js';
import { DeadLetterService } from '../ingest/dead-letters/dead-letter.service.js';
import { FreshnessInterceptor } from './freshness.js';
import { Inbox } from './inbox.service.js';
import { InboxRepository } from './inbox.repository.js';

/** Log-first intake: the inbox every ingest path appends to, the feeder that correlates it, and the freshness every read answer tells. */
@Global()
@Module({
  providers: [InboxRepository, DeadLetterRepository, Inbox, DeadLetterService, { provide: APP_INTERCEPTOR, useClass: FreshnessInterceptor }],
  exports: [Inbox, InboxRepository, DeadLetterService],
})
export class InboxModule {}
