import type { IncidentBody } from './incident.js';
import { FALLBACK_ROUTE, type RoutingRule, type RuleSet } from './rules.js';

/**
 * Which helpdesk queue owns an incident: the first routing rule whose every condition holds. A
 * `{facility}` (or `{site}`, from enrichment) in the queue name makes facility desks.
 */
export function routeOf(incident: IncidentBody, rules: RuleSet): { queue: string; rule: RoutingRule } {
  const rule = rules.routing.find((candidate) => holds(candidate, incident)) ?? FALLBACK_ROUTE;
  // Routing runs after every message: a fixed queue name needs no placeholders filled in.
  if (!rule.queue.includes('{')) return { queue: rule.queue, rule };
  const facility = slug(incident.facilities[0] ?? 'unknown');
  // `{site}` uses the site the EHR directory names, when enrichment found one.
  const site = incident.context?.siteName ? slug(incident.context.siteName) : facility;
  return { queue: rule.queue.replaceAll('{facility}', facility).replaceAll('{site}', site), rule };
}

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-|-$/g, '') || 'unknown';

// Routing runs after every message; compiling its patterns once keeps it cheap.
const patterns = new Map<string, RegExp>();
function pattern(source: string): RegExp {
  let compiled = patterns.get(source);
  if (!compiled) {
    compiled = new RegExp(source, 'i');
    patterns.set(source, compiled);
  }
  return compiled;
}

function holds({ when }: RoutingRule, incident: IncidentBody): boolean {
  const { kinds, sources } = incident.tally;
  return (
    (when.kinds === undefined || when.kinds.some((k) => kinds.includes(k))) &&
    (when.sources === undefined || when.sources.some((s) => sources.includes(s))) &&
    (when.systems === undefined || when.systems.some((pattern) => systemMatches(pattern, incident.system))) &&
    (when.facilities === undefined || incident.facilities.some((f) => when.facilities?.includes(f))) &&
    (when.errorSignature === undefined || pattern(when.errorSignature).test(incident.errorSignature ?? '')) &&
    (when.symptom === undefined || pattern(when.symptom).test(incident.title)) &&
    (when.patientImpact === undefined || when.patientImpact === incident.patientImpact) &&
    (when.priorities === undefined || when.priorities.includes(incident.priority)) &&
    (when.minFacilities === undefined || incident.facilities.length >= when.minFacilities)
  );
}

/** `epic*` matches a prefix, `*-interface` a suffix; anything else must be equal. */
export function systemMatches(pattern: string, system: string): boolean {
  if (pattern.endsWith('*')) return system.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return system.endsWith(pattern.slice(1));
  return pattern === system;
}
