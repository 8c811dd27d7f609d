/** Injection tokens of the runtime module, apart so that its providers can import them without a cycle. */
export const CLOCK = Symbol('Clock');
export const RULES = Symbol('RuleSet');
