import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { IncidentChildRow, IncidentRow } from '../database/entities.js';

const PRIORITY_BY_SEVERITY: Record<string, string> = { critical: 'P1', high: 'P2', medium: 'P3', low: 'P4', info: 'P5' };

export class ChildView {
  @ApiProperty() id!: string;
  @ApiProperty() kind!: string;
  @ApiProperty({ example: { type: 'alertmanager', system: 'prometheus' } }) source!: { type: string; system: string };
  @ApiProperty() occurredAt!: string;
  @ApiProperty({ enum: ['firing', 'resolved'] }) status!: string;
  @ApiProperty() severity!: string;
  @ApiProperty({ description: 'exact repeats folded into this child' }) repeats!: number;
  @ApiPropertyOptional() requesterToken?: string;
  @ApiPropertyOptional() facility?: string;
  @ApiPropertyOptional() department?: string;
}

/** The incident object of the ticket contract (DESIGN §10), as every API route shows it. */
export class IncidentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'epic-adt|queue_stalled|overlake' }) signature!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: ['open', 'resolved'] }) status!: string;
  @ApiProperty({ enum: ['critical', 'high', 'medium', 'low', 'info'] }) severity!: string;
  @ApiProperty({ example: 'P2', description: 'from severity until routing rules set it' }) priority!: string;
  @ApiProperty({ nullable: true, type: String, description: 'set by routing rules (not yet configured)' }) queue!: string | null;
  @ApiProperty({ nullable: true, type: String }) routingRuleId!: string | null;
  @ApiProperty() system!: string;
  @ApiProperty({ type: [String] }) facilities!: string[];
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty() firstSeen!: string;
  @ApiProperty() lastSeen!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty() childCount!: number;
  @ApiProperty() distinctRequesters!: number;
  @ApiProperty() patientImpact!: boolean;
  @ApiProperty() correlationId!: string;
}

export class IncidentDetailView extends IncidentView {
  @ApiProperty({ type: [ChildView] }) children!: ChildView[];
}

export class IncidentPage {
  @ApiProperty({ type: [IncidentView] }) items!: IncidentView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toIncidentView(row: IncidentRow): IncidentView {
  return {
    id: row.id,
    signature: row.signature,
    title: row.title,
    status: row.status,
    severity: row.severity,
    priority: PRIORITY_BY_SEVERITY[row.severity] ?? 'P3',
    queue: null,
    routingRuleId: null,
    system: row.system,
    facilities: row.facilities,
    departments: row.departments,
    firstSeen: row.firstSeen.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    childCount: row.childCount,
    distinctRequesters: row.distinctRequesters,
    patientImpact: row.patientImpact,
    correlationId: row.correlationId,
  };
}

export function toChildView(row: IncidentChildRow): ChildView {
  return {
    id: row.id,
    kind: row.kind,
    source: { type: row.sourceType, system: row.sourceSystem },
    occurredAt: row.changedAt.toISOString(),
    status: row.status,
    severity: row.severity,
    repeats: row.repeats,
    ...(row.requesterToken ? { requesterToken: row.requesterToken } : {}),
    ...(row.facility ? { facility: row.facility } : {}),
    ...(row.department ? { department: row.department } : {}),
  };
}
