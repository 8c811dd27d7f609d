import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row per question corral put to the EHR's FHIR directory (DICOM DCM 110112 "Query"): what was
 * asked (the lookup key, the resource types and the exact requests) and what was kept (field names
 * and their values: directory names only). Cache hits and requests the open circuit breaker never
 * sent are not queries and have no row. The audit export reads this table.
 */
export class Enrichment1764500000000 implements MigrationInterface {
  name = 'Enrichment1764500000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE enrichment_lookup (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL,
        key text NOT NULL,
        resource_types text[] NOT NULL,
        queries text[] NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('found', 'not-found', 'ambiguous', 'failed')),
        fields_kept text[] NOT NULL,
        kept jsonb NOT NULL,
        duration_ms integer NOT NULL
      )`);
    await db.query(`CREATE INDEX enrichment_lookup_by_at ON enrichment_lookup (at, id)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE enrichment_lookup`);
  }
}
