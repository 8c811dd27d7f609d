import 'reflect-metadata';
import { getMetadataStorage, ValidationTypes } from 'class-validator';
// Every class corral validates registers its checks when its module loads: the whole application here.
import '../../app.module.js';
import '../incidents/command.dto.js';

/**
 * Every class class-validator knows of. Read from its storage (a private field) because the rule
 * below is about every DTO, including the next one someone writes, not a list kept by hand.
 */
function validatedClasses(): Array<new () => object> {
  const storage = getMetadataStorage() as unknown as { validationMetadatas: Map<unknown, unknown[]> };
  return [...storage.validationMetadatas.keys()].filter((target): target is new () => object => typeof target === 'function');
}

// Configuration is checked once at boot and reports every variable's problem at once (config module).
const OUTSIDE_THE_API = new Set(['EnvDto']);

describe('every DTO', () => {
  const classes = validatedClasses().filter((target) => !OUTSIDE_THE_API.has(target.name));

  it('is found (the rule below has something to check)', () => {
    expect(classes.map((c) => c.name)).toEqual(expect.arrayContaining(['CanonicalEventDto', 'EventSourceDto', 'MergeDto', 'NatsCommandDto', 'SkipDto', 'ListIncidentsQuery']));
  });

  it('marks each field without IsOptional and without a default as Required, so that its first problem when missing is its absence', () => {
    const unmarked = classes.flatMap((target) => {
      const metadata = getMetadataStorage().getTargetValidationMetadatas(target, '', true, false);
      const defaults = new target() as Record<string, unknown>;
      const properties = [...new Set(metadata.map((m) => m.propertyName))];
      return properties
        .filter((property) => {
          const own = metadata.filter((m) => m.propertyName === property);
          const optional = own.some((m) => m.type === ValidationTypes.CONDITIONAL_VALIDATION);
          return !optional && defaults[property] === undefined && !own.some((m) => m.type === ValidationTypes.IS_DEFINED);
        })
        .map((property) => `${target.name}.${property}`);
    });

    expect(unmarked).toEqual([]);
  });
});
