import type { DataSource } from 'typeorm';
import type { MasterKey } from './journal-cipher.js';

/**
 * journal_key, for readers: the data keys of an incident, unwrapped with the master key. Keys are
 * written by the batch commit (PgActorStore) and destroyed by purge (RetentionStore).
 */
export class JournalKeys {
  constructor(
    private readonly db: DataSource,
    private readonly master: MasterKey,
  ) {}

  /** Key id → data key, null when destroyed. A key the master key cannot unwrap is left out (its rows read as unreadable). */
  async of(incidentId: string): Promise<Map<string, Buffer | null>> {
    const rows = await this.db.query<Array<{ id: string; wrapped: Buffer | null }>>(`SELECT id, wrapped FROM journal_key WHERE incident_id = $1`, [incidentId]);
    const keys = new Map<string, Buffer | null>();
    for (const row of rows) {
      if (row.wrapped === null) keys.set(row.id, null);
      else {
        const key = this.master.unwrap(row.id, incidentId, row.wrapped);
        if (key) keys.set(row.id, key);
      }
    }
    return keys;
  }
}
