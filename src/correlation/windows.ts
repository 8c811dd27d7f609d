import type { IncidentBody } from './incident.js';
import { FALLBACK_WINDOW, type RuleSet, type WindowRule } from './rules.js';

// Time as the core writes it, and the correlation window an incident runs under: a leaf every
// handler uses.

/** An instant as the journal and the read models write it. */
export function iso(date: Date): string {
  return date.toISOString();
}

/** An ISO instant `ms` later. */
export function plus(instant: string, ms: number): string {
  return new Date(Date.parse(instant) + ms).toISOString();
}

export function windowOf(incident: IncidentBody, rules: RuleSet): WindowRule {
  return rules.windows.find((rule) => rule.id === incident.window.id) ?? FALLBACK_WINDOW;
}
