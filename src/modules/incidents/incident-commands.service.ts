import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Batcher } from '../../actors/batcher.js';
import type { Command } from '../../correlation/commands.js';
import { IncidentRow } from '../database/entities.js';
import { ConflictError, InvalidInputError, NotFoundError, UnavailableError } from '../http/domain-errors.js';
import type { IncidentDetailView } from './incident.views.js';
import { IncidentsService } from './incidents.service.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Lifecycle commands: each goes through the incident's actor like any event, and is journaled with who asked. */
@Injectable()
export class IncidentCommandsService {
  constructor(
    private readonly db: DataSource,
    private readonly batcher: Batcher,
    private readonly incidents: IncidentsService,
  ) {}

  async run(id: string, build: (lookup: (id: string) => Promise<IncidentRow>) => Promise<Command>): Promise<IncidentDetailView> {
    const row = await this.find(id);
    const command = await build((other) => this.find(other));
    const [outcome] = await this.batcher.submit([{ type: 'command', signature: row.signature, command, incidentId: row.id }]).catch((error: unknown) => {
      throw new UnavailableError(`the command could not be committed (${error instanceof Error ? error.message : String(error)}); retry`, 5);
    });
    if (outcome?.rejected) throw new ConflictError(outcome.rejected);
    return this.incidents.get(id);
  }

  private async find(id: string): Promise<IncidentRow> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${id.slice(0, 64)}"`);
    const row = await this.db.getRepository(IncidentRow).findOneBy({ id });
    if (!row) throw new NotFoundError(`no incident ${id}`);
    return row;
  }
}
