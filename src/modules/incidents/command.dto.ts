import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, registerDecorator, type ValidationOptions } from 'class-validator';
import { isCode } from '../../correlation/privacy.js';
import { Checks, OptionalText, Required } from '../http/validation.js';

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

/** The note every command may carry (HTTP and NATS alike). */
class NoteDto {
  @ApiPropertyOptional({ type: String, maxLength: 1000 })
  @OptionalText(1000)
  note?: string;
}

export class CommandDto extends NoteDto {
  @ApiPropertyOptional({
    type: String,
    maxLength: 128,
    description: 'the agent a helpdesk integration acts for; the journal records "<caller> for <by>" (the caller is the authenticated key or token)',
    example: 'agent:jdoe',
  })
  @Checks(IsOptional(), IsString(), IsNotEmpty(), MaxLength(128), IsAccountCode())
  by?: string;
}

export class ResolveDto extends CommandDto {
  @ApiPropertyOptional({ type: String, maxLength: 64, description: 'the change record that fixed it, told to the helpdesk with the resolve', example: 'CHG0042123' })
  @Checks(IsOptional(), IsString(), IsNotEmpty(), MaxLength(64), IsAccountCode({ message: 'change must be a change reference such as CHG0042123 (letters, digits and . _ : / # + -, no spaces)' }))
  change?: string;
}

export class MergeDto extends CommandDto {
  @ApiProperty({ type: String, format: 'uuid', description: 'the incident this one is merged into' })
  @Checks(Required(), IsUUID('all'))
  into!: string;
}

export class SplitDto extends CommandDto {
  @ApiProperty({ type: [String], minItems: 1, maxItems: 1000, description: 'ids of the children that move to a new incident' })
  @Checks(Required(), IsArray(), ArrayMinSize(1), ArrayMaxSize(1000), IsString({ each: true }))
  children!: string[];
}

/**
 * Over NATS the incident is named in the body: `corral.cmd.incident.<verb>` `{ incidentId, by, note? }`.
 * Not a CommandDto: its optional `by` would be inherited, IsOptional with it.
 */
export class NatsCommandDto extends NoteDto {
  @Checks(Required(), IsUUID('all'))
  incidentId!: string;

  // Over NATS the connection is authenticated by NATS itself; `by` names the agent and is required.
  @Checks(Required(), IsString(), IsNotEmpty(), MaxLength(128), IsAccountCode())
  by!: string;
}

export class NatsResolveDto extends NatsCommandDto {
  @Checks(IsOptional(), IsString(), IsNotEmpty(), MaxLength(64), IsAccountCode({ message: 'change must be a change reference such as CHG0042123 (letters, digits and . _ : / # + -, no spaces)' }))
  change?: string;
}

export class NatsMergeDto extends NatsCommandDto {
  @Checks(Required(), IsUUID('all'))
  into!: string;
}

export class NatsSplitDto extends NatsCommandDto {
  @Checks(Required(), IsArray(), ArrayMinSize(1), ArrayMaxSize(1000), IsString({ each: true }))
  children!: string[];
}
