import { IsDefined, IsNotEmpty, IsOptional, IsString, MaxLength, type ValidationOptions, type ValidatorOptions } from 'class-validator';

/**
 * How corral's own contracts are checked, over HTTP and NATS alike: unknown fields refused, and one
 * problem per field — the first thing wrong with it, so that a sender reads one reason and not
 * three that contradict each other ("must be shorter than 128 characters" for a field it left out).
 */
export const VALIDATOR_OPTIONS = { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: true } as const satisfies ValidatorOptions;

/**
 * A field that must be there. class-validator runs IsDefined before a property's other checks
 * whatever its place among the decorators, so a missing field is reported as missing. A required
 * field inherits no IsOptional from a parent class: that would skip this check too.
 */
export const Required = (options?: ValidationOptions): Check => IsDefined({ message: '$property is required', ...options });

/** A property decorator as class-validator and class-transformer declare theirs. */
type Check = (target: object, propertyKey: string) => void;

/**
 * A property's checks in the order written. Stacked decorators are applied bottom-up, and
 * class-validator runs checks in the order they were applied: with stopAtFirstError,
 * `@IsString() @MaxLength(128) id` answers a number with the length message. Listed here, the
 * type is checked before its bounds.
 */
export function Checks(...checks: Check[]): Check {
  return (target, propertyKey) => {
    for (const check of checks) check(target, propertyKey);
  };
}

/** A required, non-empty string of at most `max` characters: missing, then not a string, then empty, then too long. */
export const RequiredText = (max: number): Check => Checks(Required(), IsString(), IsNotEmpty(), MaxLength(max));

/** An optional string of at most `max` characters. */
export const OptionalText = (max: number): Check => Checks(IsOptional(), IsString(), MaxLength(max));
