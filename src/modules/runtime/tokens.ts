/** Injection tokens of the runtime module, apart so that its providers can import them without a cycle. */
export const CLOCK = Symbol('Clock');
export const RULES = Symbol('RuleSet');
/** The rule set corral started with, with the files and hashes it came from (rule-files.ts LoadedRules). */
export const LOADED_RULES = Symbol('LoadedRules');
