import { Column, Entity, PrimaryColumn } from 'typeorm';

// Tables as TypeORM sees them. Entities stay inside the persistence layer: HTTP responses are built
// by mappers, never by serialising these classes.

@Entity('incident')
export class IncidentRow {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') signature!: string;
  @Column('text') status!: 'open' | 'acknowledged' | 'flapping' | 'resolved' | 'merged';
  @Column('integer') episode!: number;
  @Column('text') origin!: string;
  @Column('text') priority!: string;
  @Column('text', { name: 'priority_rule', nullable: true }) priorityRule!: string | null;
  @Column('text', { nullable: true }) queue!: string | null;
  @Column('text', { name: 'routing_rule', nullable: true }) routingRule!: string | null;
  @Column('uuid', { name: 'parent_id', nullable: true }) parentId!: string | null;
  @Column('uuid', { name: 'merged_into', nullable: true }) mergedInto!: string | null;
  @Column('text', { name: 'suppressed_by', nullable: true }) suppressedBy!: string | null;
  @Column('text', { name: 'acknowledged_by', nullable: true }) acknowledgedBy!: string | null;
  @Column('timestamptz', { name: 'acknowledged_at', nullable: true }) acknowledgedAt!: Date | null;
  @Column('jsonb') suggestions!: Array<{ id: string; fromIncidentId: string; score: number; rule: string; title: string }>;
  @Column('jsonb', { nullable: true }) context!: Record<string, unknown> | null;
  @Column('text') title!: string;
  @Column('text') severity!: string;
  @Column('text') system!: string;
  @Column('text', { array: true }) facilities!: string[];
  @Column('text', { array: true }) departments!: string[];
  @Column('timestamptz', { name: 'first_seen' }) firstSeen!: Date;
  @Column('timestamptz', { name: 'last_seen' }) lastSeen!: Date;
  @Column('timestamptz', { name: 'opened_at' }) openedAt!: Date;
  @Column('timestamptz', { name: 'resolved_at', nullable: true }) resolvedAt!: Date | null;
  @Column('integer', { name: 'child_count' }) childCount!: number;
  @Column('integer', { name: 'distinct_requesters' }) distinctRequesters!: number;
  @Column('boolean', { name: 'patient_impact' }) patientImpact!: boolean;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity('incident_child')
export class IncidentChildRow {
  @PrimaryColumn('uuid', { name: 'incident_id' }) incidentId!: string;
  @PrimaryColumn('text', { name: 'child_key' }) childKey!: string;
  @Column('text') id!: string;
  @Column('text') kind!: string;
  @Column('text', { name: 'source_type' }) sourceType!: string;
  @Column('text', { name: 'source_system' }) sourceSystem!: string;
  @Column('text') status!: string;
  @Column('text') severity!: string;
  @Column('timestamptz', { name: 'first_seen' }) firstSeen!: Date;
  @Column('timestamptz', { name: 'changed_at' }) changedAt!: Date;
  @Column('integer') repeats!: number;
  @Column('text', { name: 'requester_token', nullable: true }) requesterToken!: string | null;
  @Column('text', { nullable: true }) facility!: string | null;
  @Column('text', { nullable: true }) department!: string | null;
  @Column('text', { name: 'attached_by', nullable: true }) attachedBy!: string | null;
  @Column('real', { name: 'attached_score', nullable: true }) attachedScore!: number | null;
  @Column('text', { name: 'source_instance', nullable: true }) sourceInstance!: string | null;
  /** The incident revision of the child's last change (see IncidentBody.revision); bigint, read as a string. */
  @Column('bigint', { default: 0 }) rev!: string;
}

@Entity('journal')
export class JournalRow {
  @PrimaryColumn('text') signature!: string;
  @PrimaryColumn('bigint') seq!: string;
  @Column('uuid', { name: 'incident_id' }) incidentId!: string;
  @Column('text') kind!: string;
  @Column('text', { name: 'child_key', nullable: true }) childKey!: string | null;
  @Column('timestamptz') at!: Date;
  @Column('text', { name: 'correlation_id' }) correlationId!: string;
  @Column('jsonb') data!: Record<string, unknown>;
  @Column('text', { name: 'prev_hash' }) prevHash!: string;
  @Column('text', { name: 'row_hash' }) rowHash!: string;
  @Column('text', { name: 'rule_id', nullable: true }) ruleId!: string | null;
  @Column('integer', { name: 'rule_version', nullable: true }) ruleVersion!: number | null;
  @Column('timestamptz', { name: 'recorded_at' }) recordedAt!: Date;
}

@Entity('actor_snapshot')
export class ActorSnapshotRow {
  @PrimaryColumn('text') signature!: string;
  @Column('bigint') seq!: string;
  @Column('text', { name: 'last_hash' }) lastHash!: string;
  @Column('integer') version!: number;
  @Column('jsonb') state!: unknown;
  @Column('timestamptz', { name: 'next_due_at', nullable: true }) nextDueAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

@Entity('outbox')
export class OutboxRow {
  @PrimaryColumn('bigint') id!: string;
  @Column('text', { name: 'event_key' }) eventKey!: string;
  @Column('uuid', { name: 'incident_id' }) incidentId!: string;
  @Column('text') queue!: string;
  @Column('text') type!: string;
  @Column('jsonb') payload!: unknown;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
}

@Entity('outbox_delivery')
export class OutboxDeliveryRow {
  @PrimaryColumn('bigint', { name: 'outbox_id' }) outboxId!: string;
  @PrimaryColumn('text') destination!: string;
  @Column('uuid', { name: 'incident_id' }) incidentId!: string;
  @Column('text') status!: 'pending' | 'sent' | 'superseded' | 'dead';
  @Column('integer') attempts!: number;
  @Column('timestamptz', { name: 'next_attempt_at' }) nextAttemptAt!: Date;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'sent_at', nullable: true }) sentAt!: Date | null;
}
