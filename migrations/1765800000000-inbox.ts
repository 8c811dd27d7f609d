import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Log-first intake (issue #23, docs/architecture.md "Intake: the inbox"). An ingest route answers
 * 202 once its events are rows of `inbox`; the correlator applies them later in `position` order
 * and moves `inbox_cursor` in the same statement as their effects, so each row is applied once.
 *
 * - `dedup` is a digest of source system, id, status and occurredAt: an exact resend (a webhook
 *   retried, a NATS message redelivered after its ack was lost) is refused by the unique index
 *   and counted as a duplicate, which also makes NATS intake exactly once without a receipt row.
 * - `input` is the correlator's input as JSON text, already validated, normalized and filtered
 *   for privacy: text, not jsonb, because nothing queries inside it and jsonb's parse on every
 *   append was the largest cost of the row.
 * - Appends go through `corral_inbox_append`, which holds an advisory lock until its transaction
 *   ends. Identity values are handed out at insert time, not at commit: two appenders racing could
 *   commit positions 6 then 5, and a reader that had read 6 would skip 5 for ever. Under the lock
 *   appends commit in position order, so everything below a visible position is visible too.
 *   Gaps (a conflict or a rollback consumes an identity value) are harmless.
 * - No index on `received_at`: retention walks the table from its head by position.
 */
export class Inbox1765800000000 implements MigrationInterface {
  name = 'Inbox1765800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE inbox (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        dedup uuid NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        input text NOT NULL
      )`);
    await db.query(`CREATE UNIQUE INDEX inbox_dedup ON inbox (dedup)`);
    await db.query(`
      CREATE TABLE inbox_cursor (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        position bigint NOT NULL,
        correlated_at timestamptz NOT NULL
      )`);
    await db.query(`INSERT INTO inbox_cursor (position, correlated_at) VALUES (0, now())`);
    await db.query(`
      CREATE FUNCTION corral_inbox_append(dedups uuid[], inputs text[]) RETURNS TABLE (appended_dedup uuid, appended_at bigint)
      LANGUAGE sql AS $$
        SELECT pg_advisory_xact_lock(7265300000000001);
        INSERT INTO inbox (dedup, input)
        SELECT x.d, x.i FROM unnest(dedups, inputs) WITH ORDINALITY AS x(d, i, n) ORDER BY x.n
        ON CONFLICT (dedup) DO NOTHING
        RETURNING inbox.dedup, inbox.position;
      $$`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION corral_inbox_append(uuid[], text[])`);
    await db.query(`DROP TABLE inbox_cursor`);
    await db.query(`DROP TABLE inbox`);
  }
}
