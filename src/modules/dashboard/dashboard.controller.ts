import { Controller, Get, Header, HttpCode, Param, Post, Req, Res, Sse, UseFilters, type MessageEvent } from '@nestjs/common';
import { ApiExcludeController, ApiExcludeEndpoint, ApiOperation, ApiProduces } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { CurrentPrincipal } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { DashboardAssets } from './dashboard.assets.js';
import { DashboardSignIn } from './dashboard.sign-in.js';
import { DashboardStream } from './dashboard.stream.js';
import { SignInPageFilter } from './sign-in.filter.js';

// A browser page with its session, stream and assets, not an API: left out of /docs (README "Dashboard").
@ApiExcludeController()
@Controller('dashboard')
@UseFilters(SignInPageFilter)
export class DashboardController {
  constructor(
    private readonly assets: DashboardAssets,
    private readonly live: DashboardStream,
    private readonly sessions: DashboardSignIn,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The live blast-radius page (leadership, admin); without a session: 401 and a sign-in form' })
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(): string {
    return this.assets.page;
  }

  @Get('assets/:name')
  @ApiExcludeEndpoint()
  asset(@Param('name') name: string, @Res({ passthrough: true }) response: FastifyReply): string {
    const asset = this.assets.asset(name);
    response.header('content-type', asset.type).header('cache-control', asset.cacheControl);
    return asset.body;
  }

  @Sse('stream')
  @ApiOperation({
    summary: 'Server-sent events: a `frame` (headline, open incidents with their growth, facilities, charts, outcomes) at once, then within about a second of every change',
    description: 'A client that does not ask for text/event-stream gets the current frame once and the stream ends.',
  })
  stream(@Req() request: FastifyRequest): Observable<MessageEvent> {
    return this.live.frames((request.headers.accept ?? '').includes('text/event-stream'));
  }

  @Post('session')
  @HttpCode(303)
  @ApiOperation({ summary: 'Exchange a leadership or admin API key (bearer header, or form field `key`) for a dashboard session cookie; 303 to /dashboard' })
  @Header('cache-control', 'no-store')
  signIn(@CurrentPrincipal() principal: Principal | undefined, @Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    // Behind a proxy CORRAL_TRUST_PROXY trusts, the scheme its X-Forwarded-Proto names.
    return this.sessions.signIn(principal, request.protocol === 'https', response);
  }

  @Post('sign-out')
  @HttpCode(303)
  @ApiOperation({ summary: 'End this browser\'s dashboard session (the cookie it sends) on every instance, drop the cookie; 303 to /dashboard' })
  @Header('cache-control', 'no-store')
  signOut(@Req() request: FastifyRequest, @Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    return this.sessions.signOut(request, response);
  }
}
