import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The helpdesk's own ticket for an incident, as its connector created it. */
export interface HelpdeskTicket {
  destination: string;
  incidentId: string;
  /** The helpdesk's id for it (RT's ticket number). */
  externalId: string;
  /** Where an agent opens it. */
  url: string;
}

/** Which helpdesk ticket stands for which incident, per helpdesk destination. */
@Injectable()
export class HelpdeskTicketsRepository {
  constructor(private readonly db: DataSource) {}

  async find(destination: string, incidentId: string): Promise<HelpdeskTicket | undefined> {
    const rows = await this.db.query<Array<{ external_id: string; url: string }>>(`SELECT external_id, url FROM helpdesk_ticket WHERE destination = $1 AND incident_id = $2`, [destination, incidentId]);
    const row = rows[0];
    return row ? { destination, incidentId, externalId: row.external_id, url: row.url } : undefined;
  }

  /** Every helpdesk ticket of an incident, for the API. */
  async ofIncident(incidentId: string): Promise<HelpdeskTicket[]> {
    const rows = await this.db.query<Array<{ destination: string; external_id: string; url: string }>>(`SELECT destination, external_id, url FROM helpdesk_ticket WHERE incident_id = $1 ORDER BY destination`, [incidentId]);
    return rows.map((row) => ({ destination: row.destination, incidentId, externalId: row.external_id, url: row.url }));
  }

  /** The incident whose ticket this is, for a callback from the helpdesk. */
  async incidentOf(destination: string, externalId: string): Promise<string | undefined> {
    const rows = await this.db.query<Array<{ incident_id: string }>>(`SELECT incident_id FROM helpdesk_ticket WHERE destination = $1 AND external_id = $2`, [destination, externalId]);
    return rows[0]?.incident_id;
  }

  /**
   * The tickets of one helpdesk worth asking about, newest first: those of open incidents (has an
   * agent resolved it there?) and of incidents resolved since `since` (has one reopened it?).
   * Not those with a delivery still on its way or dead in that lane: until corral's own change has
   * reached the helpdesk, the helpdesk's status is the old one, not an agent's.
   */
  async toPoll(destination: string, since: Date, limit: number): Promise<Array<{ incidentId: string; externalId: string; status: 'open' | 'resolved' }>> {
    const rows = await this.db.query<Array<{ incident_id: string; external_id: string; status: 'open' | 'resolved' }>>(
      `SELECT t.incident_id, t.external_id, i.status
         FROM helpdesk_ticket t JOIN incident i ON i.id = t.incident_id
        WHERE t.destination = $1
          AND (i.status = 'open' OR i.resolved_at > $2)
          AND NOT EXISTS (SELECT 1 FROM outbox_delivery d WHERE d.destination = $1 AND d.incident_id = t.incident_id AND d.status IN ('pending', 'dead'))
        ORDER BY t.created_at DESC
        LIMIT $3`,
      [destination, since.toISOString(), limit],
    );
    return rows.map((row) => ({ incidentId: row.incident_id, externalId: row.external_id, status: row.status }));
  }

  /** Kept as first written: a second create racing the first cannot replace the ticket agents work. */
  async save(ticket: HelpdeskTicket): Promise<void> {
    await this.db.query(`INSERT INTO helpdesk_ticket (destination, incident_id, external_id, url) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [ticket.destination, ticket.incidentId, ticket.externalId, ticket.url]);
  }
}
