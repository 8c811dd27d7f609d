import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { AuditEvent, Bundle } from 'fhir/r4.js';
import { arr, bool, int, nullable, obj, str } from '../http/openapi-schema.js';
import { AuditPage } from './audit-entry.js';
import { AuditQuery } from './audit-query.js';
import { AuditService } from './audit.service.js';
import type { VerifyReport } from './chain-verifier.js';

const JOURNAL_BREAK = obj({ signature: str(), seq: int(), incidentId: nullable(str()), reason: str() });
const AUDIT_BREAK = obj({ id: str(), reason: str() });
/** chain-verifier.ts VerifyReport. */
const VERIFY_REPORT = obj({
  ok: bool(),
  journal: obj({ rows: int(), chains: int(), legacyRows: int(), brokenChains: int(), brokenRows: int(), broken: arr(JOURNAL_BREAK, { maxItems: 100 }), firstBroken: nullable(JOURNAL_BREAK) }),
  audit: obj({ rows: int(), legacyRows: int(), brokenRows: int(), broken: arr(AUDIT_BREAK, { maxItems: 100 }), firstBroken: nullable(AUDIT_BREAK) }),
  checkpoint: obj({ file: str(), at: nullable(str({ format: 'date-time' })), problems: arr(str()) }),
});

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOkResponse({ type: AuditPage, description: 'or, with format=fhir, a FHIR R4 Bundle of AuditEvent (application/fhir+json)' })
  list(@Query() query: AuditQuery, @Res({ passthrough: true }) response: FastifyReply): Promise<AuditPage | Bundle<AuditEvent>> {
    if (query.format === 'fhir') response.type('application/fhir+json');
    return this.audit.list(query);
  }

  @Get('verify')
  @ApiOkResponse({ description: 'whether the journal and audit chains and the latest signed checkpoint hold', schema: VERIFY_REPORT })
  verify(): Promise<VerifyReport> {
    return this.audit.verify();
  }
}
