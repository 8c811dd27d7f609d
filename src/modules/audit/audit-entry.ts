import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One line of the trail as the API shows it, whichever table it came from. */
export class AuditEntryView {
  @ApiProperty({ enum: ['access', 'decision'] }) source!: 'access' | 'decision';
  @ApiProperty({ description: 'audit row id, or `<signature>#<seq>` for a journal row' }) key!: string;
  @ApiProperty() recordedAt!: string;
  @ApiProperty({ description: 'key label, token subject, the agent named by a command, or "corral" for its own decisions' }) actor!: string;
  @ApiProperty({ enum: ['api-key', 'jwt', 'cli', 'system', 'user'] }) actorKind!: string;
  @ApiProperty({ nullable: true, type: String }) role!: string | null;
  @ApiProperty({ example: 'incident.read' }) action!: string;
  @ApiProperty({ nullable: true, type: String, description: 'incident id' }) target!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'route.major-incident@1' }) ruleId!: string | null;
  @ApiProperty({ enum: [0, 4, 8, 12], description: 'FHIR AuditEvent outcome: 0 success, 4 refused, 8 failed, 12 major failure' }) outcome!: 0 | 4 | 8 | 12;
  @ApiProperty() correlationId!: string;
  @ApiPropertyOptional({ type: Object }) detail!: Record<string, unknown>;
}

export class AuditPage {
  @ApiProperty({ type: [AuditEntryView] }) items!: AuditEntryView[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
