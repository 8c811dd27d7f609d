import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { AuditPage } from './audit-entry.js';
import { AuditQuery } from './audit-query.js';
import { AuditService } from './audit.service.js';
import type { VerifyReport } from './chain-verifier.js';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'or, with format=fhir, a FHIR R4 Bundle of AuditEvent (application/fhir+json)' })
  list(@Query() query: AuditQuery, @Res({ passthrough: true }) response: Response): Promise<AuditPage | Bundle<AuditEvent>> {
    if (query.format === 'fhir') response.type('application/fhir+json');
    return this.audit.list(query);
  }

  @Get('verify')
  @ApiOkResponse({ description: '{ ok, journal: { rows, chains, legacyRows, brokenChains, brokenRows, broken[≤100], firstBroken }, audit: { rows, legacyRows, brokenRows, broken[≤100], firstBroken }, checkpoint: { file, at, problems } }' })
  verify(): Promise<VerifyReport> {
    return this.audit.verify();
  }
}
