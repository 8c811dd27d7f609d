import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Batcher } from '../../actors/batcher.js';
import type { Ownership } from '../../actors/ownership.js';
import type { Command } from '../../correlation/messages.js';
import { protectCommand } from '../../correlation/privacy.js';
import { OWNERSHIP } from '../cluster/tokens.js';
import { CorralConfig } from '../config/corral-config.js';
import type { IncidentRow } from '../database/entities.js';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../http/domain-errors.js';
import type { IncidentDetailView } from './incident.views.js';
import { IncidentRepository } from './incident.repository.js';
import { IncidentsService } from './incidents.service.js';
import { CommandJournal } from './command-journal.repository.js';
import { clampText } from '../ingest/unicode.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How long a command forwarded to the instance that owns its incident is waited for before answering 202. */
export const FORWARDED_COMMAND_WAIT_MS = 5_000;
const POLL_MS = 25;

/** `applied` false: accepted (durably, forwarded to the owning instance) but not yet seen applied. */
export interface CommandAnswer {
  incident: IncidentDetailView;
  applied: boolean;
}

/** Lifecycle commands: each goes through the incident's actor like any event, and is journaled with who asked. */
@Injectable()
export class IncidentCommandsService {
  /** How long a forwarded command is waited for (tests shorten it). */
  forwardWaitMs = FORWARDED_COMMAND_WAIT_MS;

  constructor(
    private readonly rows: IncidentRepository,
    private readonly batcher: Batcher,
    private readonly incidents: IncidentsService,
    @Inject(OWNERSHIP) private readonly ownership: Ownership | null,
    private readonly config: CorralConfig,
    private readonly journal: CommandJournal,
  ) {}

  async run(id: string, build: (lookup: (id: string) => Promise<IncidentRow>) => Promise<Command>): Promise<CommandAnswer> {
    const row = await this.find(id);
    // HTTP and NATS commands both pass here: the one place a note is scrubbed before the journal keeps it.
    const built = protectCommand(await build((other) => this.find(other)), this.config.tokenKey);
    // With several instances the incident's actor may live elsewhere. The command then carries a
    // request id into its journal rows, and where the journal stood before is noted, so that its
    // own rows can be looked for after it (not through all of them).
    const requestId = this.ownership ? randomUUID() : undefined;
    const command: Command = requestId ? { ...built, requestId } : built;
    const before = requestId ? await this.journal.tip(row.signature) : 0;
    const [outcome] = await this.batcher.submit([{ type: 'command', signature: row.signature, command, incidentId: row.id }]).catch((error: unknown) => {
      // Not the error's text: a database error can quote rows of other requests (the runtime logs it).
      throw new UnavailableError(`the command could not be committed${error instanceof Error && error.name === 'OverloadedError' ? ' (corral is at capacity)' : ''}; retry`, 5);
    });
    // Set aside by the runtime (the database refused its rows, or correlating it threw): a fault, not the caller's.
    if (outcome?.quarantined) throw new Error(`the command ${outcome.quarantined.detail}`);
    if (outcome?.forwarded && requestId) return this.appliedByOwner(id, row.signature, before, requestId);
    if (outcome?.rejected) throw new ConflictError(outcome.rejected);
    return { incident: await this.incidents.get(id), applied: true };
  }

  /**
   * The command was committed here as a forward to the instance that owns the incident, which
   * applies it moments later. Its journal rows carry the request id: the first one says whether it
   * was applied or refused. Not seen within `forwardWaitMs` (the owner is failing over,
   * say): accepted, not yet applied, and the caller reads the incident back.
   */
  private async appliedByOwner(id: string, signature: string, after: number, requestId: string): Promise<CommandAnswer> {
    const deadline = performance.now() + this.forwardWaitMs;
    for (;;) {
      // The command is committed (as a forward) already: a failed look is "not yet seen", never an
      // error that would make the caller send it again.
      const first = await this.journal.firstForRequest(signature, after, requestId).catch(() => undefined);
      if (first?.kind === 'command.rejected') throw new ConflictError(first.reason ?? 'the command was refused');
      if (first) return { incident: await this.incidents.get(id), applied: true };
      if (performance.now() >= deadline) return { incident: await this.incidents.get(id), applied: false };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  private async find(id: string): Promise<IncidentRow> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${clampText(id, 64)}"`);
    const row = await this.rows.byId(id);
    if (!row) throw new NotFoundError(`no incident ${id}`);
    return row;
  }
}
