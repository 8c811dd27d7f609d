import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several instances (README "Running several instances"): which instances are alive, who owns
 * which partition under which epoch (the fencing token every write transaction checks), and
 * messages one instance decided for an actor another instance owns, sent on after COMMIT.
 * `sig_hash` (FNV-1a of the signature's hash token; partition = sig_hash % P) lets timers and the
 * outbox relay select the rows of owned partitions; rows written before this migration have none
 * and are handled by partition 0's owner, whose runtime forwards them to the right one.
 */
export class Cluster1764700000000 implements MigrationInterface {
  name = 'Cluster1764700000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE cluster_instance (
        id text PRIMARY KEY,
        started_at timestamptz NOT NULL DEFAULT now(),
        heartbeat_at timestamptz NOT NULL DEFAULT now(),
        url text
      )`);
    await db.query(`
      CREATE TABLE partition_lease (
        partition integer PRIMARY KEY,
        owner text,
        epoch bigint NOT NULL DEFAULT 0,
        expires_at timestamptz NOT NULL DEFAULT now(),
        acquired_at timestamptz
      )`);
    await db.query(`
      CREATE TABLE cluster_forward (
        id bigserial PRIMARY KEY,
        partition integer NOT NULL,
        subject_token text NOT NULL,
        payload jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`ALTER TABLE actor_snapshot ADD COLUMN sig_hash bigint`);
    await db.query(`ALTER TABLE outbox ADD COLUMN sig_hash bigint`);
    // Each instance reads the snapshots others changed, to keep its routing index cluster-wide.
    await db.query(`CREATE INDEX actor_snapshot_updated ON actor_snapshot (updated_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX actor_snapshot_updated`);
    await db.query(`ALTER TABLE outbox DROP COLUMN sig_hash`);
    await db.query(`ALTER TABLE actor_snapshot DROP COLUMN sig_hash`);
    await db.query(`DROP TABLE cluster_forward`);
    await db.query(`DROP TABLE partition_lease`);
    await db.query(`DROP TABLE cluster_instance`);
  }
}
