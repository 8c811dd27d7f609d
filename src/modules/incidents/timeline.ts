import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { JournalRow } from '../database/entities.js';
import { openData } from '../persistence/journal-cipher.js';

export class TimelineEntryView {
  @ApiProperty() seq!: number;
  @ApiProperty({ example: 'child.attached' }) kind!: string;
  @ApiProperty() at!: string;
  @ApiPropertyOptional({ example: 'report.same-system@1', description: 'the rule that caused this decision' }) rule?: string;
  @ApiPropertyOptional() child?: string;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ type: Object, description: 'free text and tokens of an incident past retention read "[forgotten]" (README "Retention")' }) data!: Record<string, unknown>;
}

export class TimelinePage {
  @ApiProperty({ type: [TimelineEntryView] }) items!: TimelineEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

/** `keys`: the incident's data keys (JournalKeys.of), to open the row's sealed members. */
export function toTimelineEntry(row: JournalRow, keys: ReadonlyMap<string, Buffer | null>): TimelineEntryView {
  return {
    seq: Number(row.seq),
    kind: row.kind,
    at: row.at.toISOString(),
    ...(row.ruleId ? { rule: `${row.ruleId}@${row.ruleVersion ?? 0}` } : {}),
    ...(row.childKey ? { child: row.childKey } : {}),
    correlationId: row.correlationId,
    data: openData(row.data, row.incidentId, keys),
  };
}
