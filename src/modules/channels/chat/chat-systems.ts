import { Injectable } from '@nestjs/common';
import { Correlator } from '../../../actors/correlator.js';
import { isUnnamed, systemRule } from '../../../correlation/names.js';
import type { Described } from './reply-wording.js';

/** An incident as the read models give it, in the fields a chat reply uses. */
export interface IncidentFacts {
  system: string;
  priority: string;
  status: string;
  since: string;
  reporters: number;
  facilities: readonly string[];
}

/**
 * Systems in the words people use, from the rules in force (reloads included): `epic-hyperspace`
 * is "Epic" in a reply, and "epic" or "Hyperspace" typed after `/corral status` means it.
 */
@Injectable()
export class ChatSystems {
  constructor(private readonly correlator: Correlator) {}

  /** The first of the system rule's `names`; its code when the rules give none; nothing for a report that named no system. */
  nameOf(system: string): string | undefined {
    if (isUnnamed(system)) return undefined;
    return this.correlator.rules.systems.find((rule) => rule.system === system)?.names[0] ?? system;
  }

  /** The system code a typed word means: one of a rule's codes or names, or the word itself. */
  codeOf(word: string): string {
    const { rules } = this.correlator;
    const lower = word.toLowerCase();
    const rule = systemRule(rules.lexicon, word) ?? rules.systems.find((r) => r.names.some((name) => name.toLowerCase() === lower));
    return rule && !rule.system.includes('*') ? rule.system : lower;
  }

  described(incident: IncidentFacts): Described {
    const name = this.nameOf(incident.system);
    return { ...(name ? { system: name } : {}), priority: incident.priority, status: incident.status, since: incident.since, reporters: incident.reporters, facilities: incident.facilities };
  }
}
