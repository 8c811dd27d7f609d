import { distinctRequesters, reachOf, type IncidentBody } from './incident.js';
import { FALLBACK_PRIORITY, type Priority, type PriorityRule, type RuleSet } from './rules.js';

/** The first priority rule whose every condition holds decides; rules are ordered most urgent first. */
export function priorityOf(incident: IncidentBody, rules: RuleSet): { priority: Priority; rule: PriorityRule } {
  const rule = rules.priority.find((candidate) => holds(candidate, incident)) ?? FALLBACK_PRIORITY;
  return { priority: rule.priority, rule };
}

function holds({ when }: PriorityRule, incident: IncidentBody): boolean {
  // A cause is as urgent as where the incidents it explains hurt (reachOf).
  const reach = reachOf(incident);
  return (
    (when.severities === undefined || when.severities.includes(incident.severity)) &&
    (when.patientImpact === undefined || when.patientImpact === reach.patientImpact) &&
    (when.minFacilities === undefined || reach.facilities.length >= when.minFacilities) &&
    (when.minRequesters === undefined || distinctRequesters(incident) >= when.minRequesters) &&
    (when.systems === undefined || when.systems.includes(incident.system))
  );
}
