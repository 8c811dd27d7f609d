import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class CommandDto {
  @ApiPropertyOptional({
    description: 'the agent a helpdesk integration acts for; the journal records "<caller> for <by>" (the caller is the authenticated key or token)',
    example: 'agent:jdoe',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  by?: string;

  @ApiPropertyOptional({ maxLength: 1000 })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  note?: string;
}

export class MergeDto extends CommandDto {
  @ApiProperty({ format: 'uuid', description: 'the incident this one is merged into' })
  @IsUUID('all')
  into!: string;
}

export class SplitDto extends CommandDto {
  @ApiProperty({ type: [String], description: 'ids of the children that move to a new incident' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  children!: string[];
}

/** Over NATS the incident is named in the body: `corral.cmd.incident.<verb>` `{ incidentId, by, note? }`. */
export class NatsCommandDto extends CommandDto {
  @IsUUID('all')
  incidentId!: string;

  // Over NATS the connection is authenticated by NATS itself; `by` names the agent and is required.
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  declare by: string;
}

export class NatsMergeDto extends NatsCommandDto {
  @IsUUID('all')
  into!: string;
}

export class NatsSplitDto extends NatsCommandDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  children!: string[];
}
