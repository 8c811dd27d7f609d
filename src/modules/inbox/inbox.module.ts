import { Global, Module } from '@nestjs/common';
import { DeadLetterService } from '../ingest/dead-letters/dead-letter.service.js';
import { Inbox } from './inbox.service.js';
import { InboxRepository } from './inbox.repository.js';

/** Log-first intake: the inbox every ingest path appends to, and the feeder that correlates it. */
@Global()
@Module({
  providers: [InboxRepository, Inbox, DeadLetterService],
  exports: [Inbox, InboxRepository, DeadLetterService],
})
export class InboxModule {}
