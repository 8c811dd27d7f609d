import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';

export class CommandDto {
  @ApiProperty({ description: 'who is acting (agent or system), recorded in the journal', example: 'agent:jdoe' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  by!: string;

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
