import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { DeadLetterService, type DeadLetterPage } from './dead-letter.service.js';

@ApiTags('dead letters')
@Controller('v1/dead-letters')
export class DeadLettersController {
  constructor(private readonly letters: DeadLetterService) {}

  @Get()
  @ApiOperation({ summary: 'Messages corral could not process: reason, source, time and scrubbed body; newest first.' })
  @ApiQuery({ name: 'reason', required: false })
  @ApiQuery({ name: 'source', required: false })
  @ApiQuery({ name: 'limit', required: false, description: '1..500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  list(@Query('reason') reason?: string, @Query('source') source?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<DeadLetterPage> {
    return this.letters.list({ reason, source, limit, cursor });
  }
}
