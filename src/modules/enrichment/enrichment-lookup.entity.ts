import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A query to the FHIR directory (migration 1764500000000-enrichment): what was asked, what was kept. */
@Entity('enrichment_lookup')
export class EnrichmentLookupRow {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz') at!: Date;
  /** `<field>|<value>`: `facility|OHMC`, `device|PUMP-0042`. */
  @Column('text') key!: string;
  @Column('text', { name: 'resource_types', array: true }) resourceTypes!: string[];
  /** The requests as sent, relative to FHIR_BASE_URL: `Organization?identifier=OHMC&_count=2`. */
  @Column('text', { array: true }) queries!: string[];
  @Column('text') outcome!: 'found' | 'not-found' | 'ambiguous' | 'failed';
  @Column('text', { name: 'fields_kept', array: true }) fieldsKept!: string[];
  @Column('jsonb') kept!: Record<string, unknown>;
  @Column('integer', { name: 'duration_ms' }) durationMs!: number;
}
