import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { NotFoundError } from '../../http/domain-errors.js';
import { CLOCK } from '../../runtime/tokens.js';
import { bodyBytes, refuseUnsigned } from './chat-request.js';
import { verifySlackSignature } from './slack-signature.js';
import { verifyTeamsSignature } from './teams-signature.js';

// The Slack and Teams routes are public in the access matrix: these guards are their
// authentication. They run before the handler reads a byte of the body, which body-parsers.ts
// hands these routes as it came, so the signature is checked over exactly what was signed.

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const routeOf = (request: FastifyRequest) => `${request.method} ${request.routeOptions.url ?? request.url}`;

/** A request signed with the Slack app's signing secret, within five minutes of corral's clock. */
@Injectable()
export class SlackSignatureGuard implements CanActivate {
  private readonly logger = new Logger('Slack');

  constructor(
    private readonly config: CorralConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const slack = this.config.channels.slack;
    if (!slack) throw new NotFoundError('Slack is not set up here: the channels file (CORRAL_CHANNELS_FILE) has no slack section');
    const signed = { timestamp: header(request, 'x-slack-request-timestamp'), signature: header(request, 'x-slack-signature'), body: bodyBytes(request.body) };
    const verdict = verifySlackSignature(signed, slack.signingSecret, this.clock.now().getTime());
    if (!verdict.ok) refuseUnsigned(this.logger, routeOf(request), verdict.reason);
    return true;
  }
}

/** A request signed with the Teams outgoing webhook's security token. */
@Injectable()
export class TeamsSignatureGuard implements CanActivate {
  private readonly logger = new Logger('Teams');

  constructor(private readonly config: CorralConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const teams = this.config.channels.teams;
    if (!teams) throw new NotFoundError('Teams is not set up here: the channels file (CORRAL_CHANNELS_FILE) has no teams section');
    const verdict = verifyTeamsSignature(header(request, 'authorization'), bodyBytes(request.body), teams.securityToken);
    if (!verdict.ok) refuseUnsigned(this.logger, routeOf(request), verdict.reason);
    return true;
  }
}
