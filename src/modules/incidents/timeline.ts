import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JournalRow } from '../database/entities.js';

export class TimelineEntryView {
  @ApiProperty() seq!: number;
  @ApiProperty({ example: 'child.attached' }) kind!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional({ example: 'report.same-system@1', description: 'the rule that caused this decision' }) rule?: string;
  @ApiPropertyOptional() child?: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: Object }) data!: Record<string, unknown>;
}

export class TimelinePage {
  @ApiProperty({ type: [TimelineEntryView] }) items!: TimelineEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export function toTimelineEntry(row: JournalRow): TimelineEntryView {
  return {
    seq: Number(row.seq),
    kind: row.kind,
    at: row.at.toISOString(),
    ...(row.ruleId ? { rule: `${row.ruleId}@${row.ruleVersion ?? 0}` } : {}),
    ...(row.childKey ? { child: row.childKey } : {}),
    correlationId: row.correlationId,
    data: row.data,
  };
}
