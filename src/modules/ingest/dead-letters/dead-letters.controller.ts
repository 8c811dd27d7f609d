import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { arr, instant, nullable, obj, str } from '../../http/openapi-schema.js';
import { DeadLetterService, type DeadLetterPage } from './dead-letter.service.js';

/** dead-letter.service.ts DeadLetterPage. */
const DEAD_LETTER_PAGE = obj({
  items: arr(
    obj({
      id: str(),
      reason: str({ example: 'schema' }),
      source: str(),
      subject: str(),
      detail: str(),
      receivedAt: instant(),
      body: str({ description: 'the original bytes, scrubbed of identifiers' }),
      replayedAt: nullable(instant()),
      replayOutcome: nullable(str()),
    }),
  ),
  nextCursor: nullable(str()),
});

@ApiTags('dead letters')
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly letters: DeadLetterService) {}

  @Get()
  @ApiOperation({ summary: 'Messages corral could not process: reason, source, time and scrubbed body; newest first.' })
  @ApiOkResponse({ schema: DEAD_LETTER_PAGE })
  @ApiQuery({ name: 'reason', required: false })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  list(@Query('reason') reason?: string, @Query('source') source?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<DeadLetterPage> {
    return this.letters.list({ reason, source, limit, cursor });
  }
}
