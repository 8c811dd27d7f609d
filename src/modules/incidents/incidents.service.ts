import { Injectable, Optional } from '@nestjs/common';
import { InvalidInputError, NotFoundError } from '../http/domain-errors.js';
import { JournalKeys } from '../persistence/journal-key.repository.js';
import { HelpdeskTicketsRepository } from '../helpdesk/helpdesk-tickets.repository.js';
import { IncidentRepository } from './incident.repository.js';
import { toChildView, toIncidentView, type IncidentDetailView, type IncidentPage } from './incident.views.js';
import type { ListIncidentsQuery } from './list-incidents.query.js';
import { toTimelineEntry, type TimelinePage } from './timeline.js';
import { clampText } from '../ingest/unicode.js';

interface Cursor {
  lastSeen: string;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads the incident read models the actors keep current; never the journal. */
@Injectable()
export class IncidentsService {
  constructor(
    private readonly incidents: IncidentRepository,
    /** Opens the journal's sealed free text; without it (tests of commands only) sealed members read "[unreadable]". */
    @Optional() private readonly keys?: JournalKeys,
    /** The helpdesk tickets connectors made for it; absent where the helpdesk module is not loaded. */
    @Optional() private readonly helpdeskTickets?: HelpdeskTicketsRepository,
  ) {}

  async list(query: ListIncidentsQuery): Promise<IncidentPage> {
    const { status, system, queue } = query;
    const rows = await this.incidents.page({ status, system, queue, ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}) }, query.limit + 1);
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map(toIncidentView),
      nextCursor: rows.length > query.limit && last ? encodeCursor({ lastSeen: last.lastSeen.toISOString(), id: last.id }) : null,
    };
  }

  /** The incident's story from the journal, oldest first: every decision with the rule behind it. */
  async timeline(id: string, limit: number, cursor?: string): Promise<TimelinePage> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${clampText(id, 64)}"`);
    if (!(await this.incidents.exists(id))) throw new NotFoundError(`no incident ${id}`);
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInputError('cursor is not one this server issued; start again without it');
    const rows = await this.incidents.journal(id, after, limit + 1);
    const page = rows.slice(0, limit);
    const keys = this.keys ? await this.keys.of(id) : new Map<string, Buffer | null>();
    return { items: page.map((row) => toTimelineEntry(row, keys)), nextCursor: rows.length > limit ? String(page.at(-1)?.seq ?? '') : null };
  }

  async get(id: string): Promise<IncidentDetailView> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${clampText(id, 64)}"`);
    const read = await this.incidents.withChildren(id);
    if (!read) throw new NotFoundError(`no incident ${id}`);
    const tickets = (await this.helpdeskTickets?.ofIncident(id)) ?? [];
    return { ...toIncidentView(read.row), children: read.children.map(toChildView), helpdeskTickets: tickets.map((t) => ({ destination: t.destination, id: t.externalId, url: t.url })) };
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof value.lastSeen === 'string' && !Number.isNaN(Date.parse(value.lastSeen)) && typeof value.id === 'string' && UUID.test(value.id)) {
      return { lastSeen: value.lastSeen, id: value.id };
    }
  } catch {
    // fall through to the error below
  }
  throw new InvalidInputError('cursor is not one this server issued; start again without it');
}
