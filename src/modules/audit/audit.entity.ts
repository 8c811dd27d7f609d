import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One access to corral worth answering for later: who, did what, to what, with what outcome. */
@Entity('audit')
export class AuditRow {
  @PrimaryColumn('bigint') id!: string;
  @Column('timestamptz', { name: 'recorded_at' }) recordedAt!: Date;
  @Column('text') actor!: string;
  @Column('text', { name: 'actor_kind' }) actorKind!: string;
  @Column('text', { nullable: true }) role!: string | null;
  @Column('text') action!: string;
  @Column('text', { nullable: true }) target!: string | null;
  @Column('text', { name: 'rule_id', nullable: true }) ruleId!: string | null;
  /** FHIR AuditEvent.outcome: 0 success, 4 minor failure (refused), 8 serious failure, 12 major failure. */
  @Column('smallint') outcome!: 0 | 4 | 8 | 12;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('jsonb') detail!: Record<string, unknown>;
  @Column('text', { name: 'prev_hash' }) prevHash!: string;
  @Column('text', { name: 'row_hash' }) rowHash!: string;
}
