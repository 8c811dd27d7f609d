import { Controller, Get, HttpCode, HttpException, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.js';
import type { Principal } from '../auth/roles.js';
import { RulesReloader, type ReloadResult, type RulesInForce } from './rules-reloader.js';
import { ShadowRules, type ShadowReport } from './shadow-rules.js';

const IN_FORCE = {
  type: 'object',
  properties: {
    sha256: { type: 'string', description: 'SHA-256 over the rule files, their names and bytes, in load order' },
    files: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, sha256: { type: 'string' } } } },
    rules: { type: 'array', items: { type: 'string', example: 'route.him-by-code@2' } },
    loadedAt: { type: 'string', format: 'date-time' },
    loadedBy: { type: 'string', example: 'signal:SIGHUP' },
  },
};

/** The correlation rules in force, and reloading them without a restart. */
@ApiTags('rules')
@Controller('v1/rules')
export class RulesController {
  constructor(
    private readonly reloader: RulesReloader,
    private readonly shadow: ShadowRules,
  ) {}

  /**
   * The candidate rule set run in shadow (CORRAL_SHADOW_RULES_DIR) beside the live one: since when,
   * how far into the inbox, and what it would have decided differently (incidents, tickets, pairs
   * of events joined or split, routing and priority changes). `enabled: false` without one.
   */
  @Get('shadow')
  @ApiOkResponse({ schema: { type: 'object', properties: { enabled: { type: 'boolean' }, since: { type: 'string', format: 'date-time' }, position: { type: 'integer' }, full: { type: 'boolean' }, rules: { type: 'object' }, difference: { type: 'object' } }, required: ['enabled'] } })
  shadowReport(): ShadowReport {
    return this.shadow.current();
  }

  /** Which rule files and versions are in force, since when, and who loaded them. */
  @Get()
  @ApiOkResponse({ schema: IN_FORCE })
  inForce(): RulesInForce {
    return this.reloader.current();
  }

  /**
   * Reads the rule directories again and, if they compile, puts them in force from the next batch.
   * `unchanged` when the files are as loaded; a set that does not compile is refused with 422,
   * naming file, rule and field, and the rules in force stay.
   */
  @Post('reload')
  @HttpCode(200)
  @ApiOkResponse({ schema: { allOf: [{ type: 'object', properties: { outcome: { enum: ['loaded', 'unchanged'] } } }, IN_FORCE] } })
  async reload(@CurrentPrincipal() caller?: Principal): Promise<ReloadResult> {
    const result = await this.reloader.reload({ actor: caller?.name ?? 'anonymous', actorKind: caller?.kind ?? 'system', role: caller?.role ?? null });
    if (result.outcome === 'refused') {
      throw new HttpException(`the rules on disk do not compile; the rules in force (sha256 ${result.inForce.sha256.slice(0, 12)}) stay. Fix: ${result.problems.join('; ')}`, HttpStatus.UNPROCESSABLE_ENTITY);
    }
    return result;
  }
}
