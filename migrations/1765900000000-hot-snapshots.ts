import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Snapshot updates become HOT (updated in place, no new index entries). Every batch rewrites the
 * snapshot of every actor it touched, and `updated_at` and `next_due_at`, both indexed, changed at
 * every write, so each update also wrote into all three of the table's indexes: 145 bytes of WAL an
 * event, and the update itself a third larger (BENCHMARKS.md, sixteenth session). The commit now
 * leaves both columns alone where it can (pg-actor-store.ts, COMMIT_BATCH); a page keeps half its
 * room for the new version of a row (a snapshot is about 1.6 kB, so four rows fit a page, two with room).
 *
 * Applies to pages written from now on; no rewrite, no lock beyond the ALTER's.
 */
export class HotSnapshots1765900000000 implements MigrationInterface {
  name = 'HotSnapshots1765900000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE actor_snapshot SET (fillfactor = 50)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE actor_snapshot RESET (fillfactor)`);
  }
}
