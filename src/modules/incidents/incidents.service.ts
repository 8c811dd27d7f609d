import { Injectable, Optional } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { IncidentChildRow, IncidentRow, JournalRow } from '../database/entities.js';
import { InvalidInputError, NotFoundError } from '../http/domain-errors.js';
import { JournalKeys } from '../persistence/journal-keys.js';
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
    private readonly db: DataSource,
    /** Opens the journal's sealed free text; without it (tests of commands only) sealed members read "[unreadable]". */
    @Optional() private readonly keys?: JournalKeys,
  ) {}

  async list(query: ListIncidentsQuery): Promise<IncidentPage> {
    const qb = this.db.getRepository(IncidentRow).createQueryBuilder('i');
    if (query.status) qb.andWhere('i.status = :status', { status: query.status });
    if (query.system) qb.andWhere('i.system = :system', { system: query.system });
    if (query.queue) qb.andWhere('i.queue = :queue', { queue: query.queue });
    if (query.cursor) {
      const cursor = decodeCursor(query.cursor);
      // Keyset pagination: stable while new incidents arrive, unlike OFFSET. The recency bound
      // follows from the other one; it is there so that the index can start at the cursor.
      qb.andWhere('(i.last_seen, i.id) < (:lastSeen, :id)', cursor);
      qb.andWhere(`i.recency <= date_trunc('minute', CAST(:lastSeen AS timestamptz) AT TIME ZONE 'UTC')`, cursor);
    }
    // Newest activity first. `recency` is last_seen to the minute (migration 1765000000000): the
    // index is on it, so that updates within a minute leave the indexes alone, and rows within
    // one minute are sorted by last_seen as they are read (an incremental sort). Same order.
    const rows = await qb.orderBy('i.recency', 'DESC').addOrderBy('i.last_seen', 'DESC').addOrderBy('i.id', 'DESC').take(query.limit + 1).getMany();
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
    if (!(await this.db.getRepository(IncidentRow).existsBy({ id }))) throw new NotFoundError(`no incident ${id}`);
    const after = cursor === undefined ? 0 : Number(cursor);
    if (!Number.isInteger(after) || after < 0) throw new InvalidInputError('cursor is not one this server issued; start again without it');
    const rows = await this.db
      .getRepository(JournalRow)
      .createQueryBuilder('j')
      .where('j.incident_id = :id AND j.seq > :after', { id, after })
      .orderBy('j.seq', 'ASC')
      .take(limit + 1)
      .getMany();
    const page = rows.slice(0, limit);
    const keys = this.keys ? await this.keys.of(id) : new Map<string, Buffer | null>();
    return { items: page.map((row) => toTimelineEntry(row, keys)), nextCursor: rows.length > limit ? String(page.at(-1)?.seq ?? '') : null };
  }

  async get(id: string): Promise<IncidentDetailView> {
    if (!UUID.test(id)) throw new InvalidInputError(`incident id must be a UUID, got "${clampText(id, 64)}"`);
    // One snapshot for both reads: the incident row and its children are written in one commit,
    // and read apart they could show a resolved child under an incident still open.
    const read = await this.db.transaction('REPEATABLE READ', async (tx) => {
      const row = await tx.getRepository(IncidentRow).findOneBy({ id });
      if (!row) return null;
      const children = await tx.getRepository(IncidentChildRow).find({ where: { incidentId: id }, order: { firstSeen: 'ASC', childKey: 'ASC' } });
      return { row, children };
    });
    if (!read) throw new NotFoundError(`no incident ${id}`);
    return { ...toIncidentView(read.row), children: read.children.map(toChildView) };
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
