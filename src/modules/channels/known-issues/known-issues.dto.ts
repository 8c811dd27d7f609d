import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsISO8601, IsOptional, Matches, Max, Min, ValidateIf } from 'class-validator';
import { Checks, OptionalText, RequiredText } from '../../http/validation.js';

export class PublicNoteDto {
  @ApiProperty({ example: 'Use the downtime order forms; results print on the unit printer.', maxLength: 500, description: 'what clinicians should do meanwhile; refused if it holds a name, record number, phone or e-mail' })
  @RequiredText(500)
  note!: string;

  @ApiPropertyOptional({ nullable: true, type: String, format: 'date-time', example: '2026-12-06T09:30:00Z', description: 'when the team expects it fixed' })
  @Checks(ValidateIf((_, value) => value !== null && value !== undefined), IsISO8601({ strict: true }))
  eta?: string | null;
}

export class MeTooDto {
  @ApiProperty({ example: 'kiosk-4w-02', description: "an opaque id of the person or device saying it (an intranet portal's own pseudonym); one report per id and incident, tokenized" })
  @Checks(RequiredText(64), Matches(/^[A-Za-z0-9._:-]+$/))
  visitor!: string;
}

export class KnownIssuesLinkDto {
  @ApiPropertyOptional({ example: 'lakeside', description: "the facility whose problems the link shows (shared outages included); all when absent" })
  @OptionalText(64)
  facility?: string;

  @ApiPropertyOptional({ example: 'epic', description: 'only this system' })
  @OptionalText(64)
  system?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 366, description: 'days the link works (default: knownIssues.linkTtl)' })
  @Checks(IsOptional(), IsInt(), Min(1), Max(366))
  days?: number;
}

export class KnownIssueFacilityView {
  @ApiProperty({ example: 'lakeside' }) code!: string;
  @ApiProperty({ example: 'Lakeside' }) name!: string;
}

export class KnownIssueView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ example: 'epic' }) system!: string;
  @ApiProperty({ example: 'Epic' }) systemName!: string;
  @ApiProperty({ type: [KnownIssueFacilityView] }) facilities!: KnownIssueFacilityView[];
  @ApiProperty({ example: 'Epic at Lakeside and Overlake' }) affected!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
  @ApiProperty({ example: '07:02' }) sinceLocal!: string;
  @ApiProperty({ enum: ['being worked on', 'acknowledged by the team', 'intermittent', 'planned maintenance', 'fixed'] }) state!: string;
  @ApiProperty({ enum: ['P1', 'P2', 'P3', 'P4'] }) priority!: string;
  @ApiProperty() patientCare!: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'people who reported it; null below the small-count threshold' }) reporters!: number | null;
  @ApiProperty({ example: '31 people have reported this' }) reported!: string;
  @ApiProperty({ nullable: true, type: String }) note!: string | null;
  @ApiProperty({ nullable: true, type: String, example: '09:30' }) eta!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) noteUpdatedAt!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) resolvedAt!: string | null;
}

export class KnownIssuesScopeView {
  @ApiPropertyOptional() facility?: string;
  @ApiPropertyOptional() system?: string;
}

export class KnownIssuesPageView {
  @ApiProperty({ type: KnownIssuesScopeView }) scope!: KnownIssuesScopeView;
  @ApiProperty({ type: [KnownIssueView] }) issues!: KnownIssueView[];
  @ApiProperty({ format: 'date-time' }) asOf!: string;
  @ApiProperty({ example: '07:15' }) asOfLocal!: string;
}

export class MeTooAnswer {
  @ApiProperty({ enum: ['joined', 'already', 'pending', 'enough'], description: 'enough: this network has already said so many times for this problem; nothing was filed' }) outcome!: string;
}

export class KnownIssuesLinkAnswer {
  @ApiProperty({ example: 'https://corral.example.org/known-issues?facility=lakeside&expires=1767600000&sig=…' }) url!: string;
  @ApiProperty({ format: 'date-time' }) expires!: string;
}
