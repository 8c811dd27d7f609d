import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';
import { isCode } from '../../correlation/privacy.js';

/**
 * `by` names an agent's account (`agent:jdoe`, `servicenow:agent-7`) and is kept forever in the
 * journal: an account code, never free text, an e-mail address or anything the scrubber would take.
 */
function IsAccountCode(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAccountCode',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} must be an account code such as agent:jdoe (letters, digits and . _ : @ / # + -, no spaces) that holds no personal identifier`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isCode(value) },
    });
}

export class CommandDto {
  @ApiPropertyOptional({
    description: 'the agent a helpdesk integration acts for; the journal records "<caller> for <by>" (the caller is the authenticated key or token)',
    example: 'agent:jdoe',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  @IsAccountCode()
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
  @IsAccountCode()
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
