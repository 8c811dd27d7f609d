import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Most incident updates become HOT (no new index entries). Every event moves `last_seen` and every
 * commit `updated_at`, and both were indexed, so each update wrote a new entry into all of the
 * table's indexes: the largest part of a saturated commit (BENCHMARKS.md, eighth session).
 *
 * - The incident list's order (newest activity first) now comes from `recency`, `last_seen` to
 *   the minute, which an incident changes at most once a minute; within a minute the list sorts
 *   by `last_seen` itself (an incremental sort over the index), so the order is unchanged.
 * - `incident_by_updated` served the dashboard's change detection, which now reads the rows'
 *   `xmin` (BlastRadiusReads.version); nothing reads it.
 * - A page keeps 15 % free, room for the new version of a row updated in place.
 *
 * Adding a stored generated column rewrites the table once, under an exclusive lock: 5.5 s for a
 * million incidents on the benchmark's machine.
 */
export class HotIncidentUpdates1765000000000 implements MigrationInterface {
  name = 'HotIncidentUpdates1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident ADD COLUMN recency timestamp GENERATED ALWAYS AS (date_trunc('minute', last_seen AT TIME ZONE 'UTC')) STORED`);
    await db.query(`DROP INDEX incident_by_recency`);
    await db.query(`DROP INDEX incident_by_status_recency`);
    await db.query(`DROP INDEX incident_by_updated`);
    await db.query(`CREATE INDEX incident_by_recency ON incident (recency DESC)`);
    await db.query(`CREATE INDEX incident_by_status_recency ON incident (status, recency DESC)`);
    await db.query(`ALTER TABLE incident SET (fillfactor = 85)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE incident RESET (fillfactor)`);
    await db.query(`DROP INDEX incident_by_status_recency`);
    await db.query(`DROP INDEX incident_by_recency`);
    await db.query(`ALTER TABLE incident DROP COLUMN recency`);
    await db.query(`CREATE INDEX incident_by_updated ON incident (updated_at)`);
    await db.query(`CREATE INDEX incident_by_status_recency ON incident (status, last_seen DESC, id)`);
    await db.query(`CREATE INDEX incident_by_recency ON incident (last_seen DESC, id)`);
  }
}
