import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The journal and audit chains become keyed (HMAC under a key that is not in the database, README
 * "Audit trail"). Rows written before this migration keep their sha256 links: this table records,
 * once, where each chain's legacy part ends (the audit table's last id, each journal signature's
 * last seq). Verification checks rows up to there as sha256 and every later row as HMAC, so a row
 * appended with a plain sha256 link is reported as forged. Nothing may change the table afterwards.
 */
export class KeyedChains1765400000000 implements MigrationInterface {
  name = 'KeyedChains1765400000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE chain_legacy (
        trail text NOT NULL CHECK (trail IN ('audit', 'journal')),
        chain text NOT NULL,
        last_seq bigint NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (trail, chain)
      )`);
    await db.query(`INSERT INTO chain_legacy (trail, chain, last_seq) SELECT 'audit', '', max(id) FROM audit HAVING count(*) > 0`);
    await db.query(`INSERT INTO chain_legacy (trail, chain, last_seq) SELECT 'journal', signature, max(seq) FROM journal GROUP BY signature`);
    await db.query(`
      CREATE FUNCTION chain_legacy_is_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'chain_legacy is fixed at migration: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await db.query(`CREATE TRIGGER chain_legacy_fixed BEFORE INSERT OR UPDATE OR DELETE ON chain_legacy FOR EACH ROW EXECUTE FUNCTION chain_legacy_is_fixed()`);
    await db.query(`CREATE TRIGGER chain_legacy_no_truncate BEFORE TRUNCATE ON chain_legacy FOR EACH STATEMENT EXECUTE FUNCTION chain_legacy_is_fixed()`);
    await db.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON chain_legacy FROM PUBLIC`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE chain_legacy`);
    await db.query(`DROP FUNCTION chain_legacy_is_fixed`);
  }
}
