import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { IncidentChildRow, IncidentRow } from '../database/entities.js';
import { arr, bool, instant, nullable, obj, peopleCount, str } from '../http/openapi-schema.js';
import { AS_OF_SCHEMA, AsOfView } from '../inbox/freshness.js';
import type { Freshness } from '../inbox/inbox.service.js';

const STATUSES = ['open', 'acknowledged', 'flapping', 'resolved', 'merged'];

export class SuggestionView {
  @ApiProperty() id!: string;
  @ApiProperty({ format: 'uuid', description: 'the incident an agent may merge into this one' }) fromIncidentId!: string;
  @ApiProperty({ description: 'match confidence, 0..1' }) score!: number;
  @ApiProperty({ example: 'report.same-system@1' }) rule!: string;
  @ApiProperty() title!: string;
}

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
  @ApiPropertyOptional({ example: 'report.same-system@1', description: 'the rule that attached this report from elsewhere' }) attachedBy?: string;
}

/** The incident object of the ticket contract (DESIGN §10), as every API route shows it. */
export class IncidentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'epic-adt|queue_stalled|overlake' }) signature!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: STATUSES }) status!: string;
  @ApiProperty({ enum: ['critical', 'high', 'medium', 'low', 'info'] }) severity!: string;
  @ApiProperty({ enum: ['P1', 'P2', 'P3', 'P4'] }) priority!: string;
  @ApiProperty({ example: 'prio.p1-critical-care@1', description: 'the priority rule that set it' }) priorityRuleId!: string;
  @ApiProperty({ enum: ['machine', 'report', 'identity'], description: 'what opened it' }) origin!: string;
  @ApiProperty({ nullable: true, type: String, example: 'major-incident', description: 'the helpdesk queue that owns the ticket' }) queue!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'route.major-incident@1', description: 'the routing rule that chose the queue' }) routingRuleId!: string | null;
  @ApiProperty() system!: string;
  @ApiProperty({ type: [String] }) facilities!: string[];
  @ApiProperty({ type: [String] }) departments!: string[];
  @ApiProperty() firstSeen!: string;
  @ApiProperty() lastSeen!: string;
  @ApiProperty({ nullable: true, type: String }) resolvedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'upstream incident (dependency graph)' }) parentId!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) mergedInto!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'maintenance rule that suppresses its tickets' }) suppressedBy!: string | null;
  @ApiProperty({ nullable: true, type: String }) acknowledgedBy!: string | null;
  @ApiProperty({ type: [SuggestionView] }) suggestions!: SuggestionView[];
  @ApiProperty({ nullable: true, type: Object, description: 'facility/department names and hierarchy from the EHR directory; enrichment: ok | partial | unavailable' }) context!: Record<string, unknown> | null;
  @ApiProperty() childCount!: number;
  @ApiProperty() distinctRequesters!: number;
  @ApiProperty() patientImpact!: boolean;
  @ApiProperty() correlationId!: string;
}

export class HelpdeskTicketView {
  @ApiProperty({ example: 'helpdesk:rt', description: 'the helpdesk destination, as the helpdesk file names it' }) destination!: string;
  @ApiProperty({ example: '4127', description: "the helpdesk's own id for the ticket (RT's ticket number)" }) id!: string;
  @ApiProperty({ example: 'https://rt.hospital.example/Ticket/Display.html?id=4127' }) url!: string;
}

export class IncidentDetailView extends IncidentView {
  @ApiProperty({ type: [ChildView] }) children!: ChildView[];
  @ApiProperty({ type: [HelpdeskTicketView], description: 'the tickets helpdesk connectors created for it, one per helpdesk' }) helpdeskTickets!: HelpdeskTicketView[];
}

export class IncidentPage {
  @ApiProperty({ type: [IncidentView] }) items!: IncidentView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
  @ApiPropertyOptional({ type: AsOfView }) asOf?: Freshness;
}

/** GET /v1/incidents as leadership gets it (role-views.ts LeadershipIncidentView): an allow-list of fields, people counts suppressed. */
export const LEADERSHIP_INCIDENT_PAGE = obj(
  {
    items: arr(
      obj({
        id: str({ format: 'uuid' }),
        status: str({ enum: STATUSES }),
        severity: str(),
        priority: str(),
        queue: nullable(str()),
        system: str(),
        facilities: arr(str()),
        departments: arr(str()),
        firstSeen: instant(),
        lastSeen: instant(),
        resolvedAt: nullable(instant()),
        parentId: nullable(str({ format: 'uuid' })),
        mergedInto: nullable(str({ format: 'uuid' })),
        patientImpact: bool(),
        childCount: peopleCount(),
        distinctRequesters: peopleCount(),
      }),
    ),
    nextCursor: nullable(str()),
    asOf: AS_OF_SCHEMA,
  },
  ['asOf'],
  { title: 'leadership' },
);

export function toIncidentView(row: IncidentRow): IncidentView {
  return {
    id: row.id,
    signature: row.signature,
    title: row.title,
    status: row.status,
    severity: row.severity,
    priority: row.priority,
    priorityRuleId: row.priorityRule ?? '',
    origin: row.origin,
    queue: row.queue,
    routingRuleId: row.routingRule,
    system: row.system,
    facilities: row.facilities,
    departments: row.departments,
    firstSeen: row.firstSeen.toISOString(),
    lastSeen: row.lastSeen.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    parentId: row.parentId,
    mergedInto: row.mergedInto,
    suppressedBy: row.suppressedBy,
    acknowledgedBy: row.acknowledgedBy,
    suggestions: row.suggestions,
    context: row.context,
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
    ...(row.attachedBy ? { attachedBy: row.attachedBy } : {}),
  };
}
