import { Controller, Get, Header, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../../auth/current-principal.js';
import { cookieOf } from '../../auth/dashboard-session.js';
import type { Principal } from '../../auth/roles.js';
import { correlationIdOf } from '../../http/correlation-id.js';
import { InvalidInputError } from '../../http/domain-errors.js';
import { KNOWN_ISSUES_STYLE, renderKnownIssues } from './known-issues.page.js';
import { KnownIssuesService } from './known-issues.service.js';

const VISITOR_COOKIE = 'corral_ki';
const VISITOR = /^[A-Za-z0-9_-]{16,64}$/;
/** The link's own parameters, carried from the page to its "me too" form and back. */
const LINK_PARAMS = ['facility', 'system', 'expires', 'sig'];

/**
 * The page itself, for a ward's browser (a browser page, not an API: out of /docs). The visitor
 * cookie is random, HttpOnly and SameSite=Lax: it lets one browser count once per problem (Lax,
 * not Strict, so that it comes along when the page is opened from the intranet's link), and as a
 * browser sends it with no cross-site POST, a "me too" forged from another site lacks it and is
 * refused.
 */
@ApiExcludeController()
@Controller('known-issues')
export class KnownIssuesPageController {
  constructor(private readonly knownIssues: KnownIssuesService) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async page(@Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply, @CurrentPrincipal() principal?: Principal): Promise<string> {
    const page = await this.knownIssues.page(this.knownIssues.scopeFor(principal, query));
    if (!visitorOf(request)) response.header('set-cookie', `${VISITOR_COOKIE}=${KnownIssuesService.newVisitor()}; Path=/known-issues; Max-Age=31536000; HttpOnly; SameSite=Lax${request.protocol === 'https' ? '; Secure' : ''}`);
    return renderKnownIssues(page, linkParams(query), typeof query.thanks === 'string' ? query.thanks : undefined);
  }

  @Get('style.css')
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  style(): string {
    return KNOWN_ISSUES_STYLE;
  }

  @Post(':id/me-too')
  @HttpCode(303)
  @Header('cache-control', 'no-store')
  async meToo(@Param('id') id: string, @Query() query: Record<string, unknown>, @Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply, @CurrentPrincipal() principal?: Principal): Promise<string> {
    const scope = this.knownIssues.scopeFor(principal, query);
    const visitor = visitorOf(request);
    if (!visitor) throw new InvalidInputError('open the known-issues page first, then press "This affects me too" there');
    const outcome = await this.knownIssues.meToo(id, scope, visitor, request.ip, correlationIdOf(request));
    const back = new URLSearchParams(linkParams(query));
    back.set('thanks', outcome);
    response.header('location', `/known-issues?${back.toString()}#issue-${id}`);
    return '';
  }
}

function visitorOf(request: FastifyRequest): string | undefined {
  const value = cookieOf(request.headers.cookie, VISITOR_COOKIE);
  return value && VISITOR.test(value) ? value : undefined;
}

function linkParams(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const name of LINK_PARAMS) if (typeof query[name] === 'string') params.set(name, query[name]);
  return params.toString();
}
