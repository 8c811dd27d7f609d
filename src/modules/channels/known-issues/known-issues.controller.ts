import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Req } from '@nestjs/common';
import { ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/current-principal.js';
import type { Principal } from '../../auth/roles.js';
import { correlationIdOf } from '../../http/correlation-id.js';
import { InvalidInputError } from '../../http/domain-errors.js';
import { KnownIssuesLinkAnswer, KnownIssuesLinkDto, KnownIssuesPageView, MeTooAnswer, MeTooDto, PublicNoteDto } from './known-issues.dto.js';
import { KnownIssuesService } from './known-issues.service.js';

const LINK_QUERY = [
  ApiQuery({ name: 'facility', required: false, description: 'one facility (its shared outages included)' }),
  ApiQuery({ name: 'system', required: false, description: 'one system' }),
  ApiQuery({ name: 'expires', required: false, description: 'a signed link: when it stops working (epoch seconds)' }),
  ApiQuery({ name: 'sig', required: false, description: 'a signed link: its signature (POST /v1/known-issues/links)' }),
];
const linkQuery = (target: object, key: string | symbol, descriptor: PropertyDescriptor) => {
  for (const decorate of LINK_QUERY) decorate(target, key, descriptor);
};

/** The known-issues page's data, its "me too", the agent's note and the admin's links (README "Known-issues page"). */
@ApiTags('known-issues')
@Controller()
export class KnownIssuesController {
  constructor(private readonly knownIssues: KnownIssuesService) {}

  @Get('v1/known-issues')
  @ApiOperation({ summary: 'Active problems in plain words (system, sites, since, state, the agent’s note), for a facility or system: no patient data, no requester, no free text, people counts below 5 as null. With any key, or a signed link (no key).' })
  @ApiOkResponse({ type: KnownIssuesPageView })
  @linkQuery
  list(@Query() query: Record<string, unknown>, @CurrentPrincipal() principal?: Principal): Promise<KnownIssuesPageView> {
    return this.knownIssues.page(this.knownIssues.scopeFor(principal, query));
  }

  @Post('v1/known-issues/:id/me-too')
  @HttpCode(200)
  @ApiOperation({ summary: '"This affects me too": files a report on the active problem for `visitor` (once per visitor and problem), so the person need not call. With any key, or within a signed link’s scope.' })
  @ApiOkResponse({ type: MeTooAnswer })
  @ApiBody({ type: MeTooDto })
  @linkQuery
  async meToo(@Param('id') id: string, @Body() body: unknown, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @CurrentPrincipal() principal?: Principal): Promise<MeTooAnswer> {
    // The link (or key) first, the body after: a caller without either learns nothing from a 400.
    const scope = this.knownIssues.scopeFor(principal, query);
    return { outcome: await this.knownIssues.meToo(id, scope, visitorOf(body), request.ip, correlationIdOf(request)) };
  }

  @Put('v1/incidents/:id/public-note')
  @HttpCode(204)
  @ApiOperation({ summary: 'Publish (or replace) what clinicians should do and when a fix is expected, shown on the known-issues page' })
  @ApiNoContentResponse({ description: 'published' })
  async setNote(@Param('id') id: string, @Body() body: PublicNoteDto, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.knownIssues.setNote(id, body.note, body.eta, principal);
  }

  @Delete('v1/incidents/:id/public-note')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take the published note off the known-issues page' })
  @ApiNoContentResponse({ description: 'removed (or there was none)' })
  async clearNote(@Param('id') id: string): Promise<void> {
    await this.knownIssues.clearNote(id);
  }

  @Post('v1/known-issues/links')
  @HttpCode(200)
  @ApiOperation({ summary: 'A signed link that opens the known-issues page for a facility (or a system) without a key, until it expires' })
  @ApiOkResponse({ type: KnownIssuesLinkAnswer })
  link(@Body() body: KnownIssuesLinkDto): KnownIssuesLinkAnswer {
    return this.knownIssues.link(body);
  }
}

const VISITOR = /^[A-Za-z0-9._:-]{1,64}$/;

function visitorOf(body: unknown): string {
  const visitor = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { visitor?: unknown }).visitor : undefined;
  if (typeof visitor !== 'string' || !VISITOR.test(visitor)) throw new InvalidInputError('visitor is required: an opaque id of the person or device (letters, digits, . _ : -, at most 64)');
  return visitor;
}
