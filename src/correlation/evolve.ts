import { childKeyOf, moreSevere, type CanonicalEvent } from './canonical-event.js';
import {
  firingChildren,
  incidentIdFor,
  type Child,
  type IncidentBody,
  type IncidentState,
} from './incident.js';

export type IncidentMessage = { type: 'event'; event: CanonicalEvent };

export type JournalKind =
  | 'incident.opened'
  | 'incident.resolved'
  | 'incident.reopened'
  | 'child.attached'
  | 'child.repeated'
  | 'child.resolved'
  | 'child.refired';

export interface JournalEntry {
  kind: JournalKind;
  incidentId: string;
  /** The child this entry is about, if any: the runtime refreshes exactly these read-model rows. */
  childKey?: string;
  correlationId: string;
  at: string;
  data: Record<string, unknown>;
}

/** Effects are data: the actor runtime writes them; evolve never performs I/O. */
export type Effect = { type: 'journal'; entry: JournalEntry };

export interface Transition {
  state: IncidentState;
  effects: Effect[];
}

export function evolve(state: IncidentState, message: IncidentMessage, now: Date): Transition {
  switch (message.type) {
    case 'event':
      return onEvent(state, message.event, now.toISOString());
    default:
      return assertNever(message.type);
  }
}

/** True when the transition only counted an exact repeat of an event already folded in. */
export function isRepeat(transition: Transition): boolean {
  return transition.effects.every(
    (effect) => effect.type === 'journal' && effect.entry.kind === 'child.repeated',
  );
}

function onEvent(state: IncidentState, event: CanonicalEvent, now: string): Transition {
  switch (state.status) {
    case 'none': {
      const incident = openIncident(state.signature, event, now);
      const opened = journal('incident.opened', incident, event, now, {
        title: incident.title,
        severity: incident.severity,
        system: incident.system,
      });
      const next = foldChild({ status: 'open', signature: state.signature, incident }, event, now);
      return { state: next.state, effects: [opened, ...next.effects] };
    }
    case 'open':
    case 'resolved':
      return foldChild(state, event, now);
    default:
      return assertNever(state);
  }
}

type Live = Extract<IncidentState, { incident: IncidentBody }>;

function foldChild(state: Live, event: CanonicalEvent, now: string): Transition {
  const key = childKeyOf(event);
  const existing = state.incident.children[key];
  const effects: Effect[] = [];
  let child: Child;

  if (!existing) {
    child = newChild(key, event);
    effects.push(journal('child.attached', state.incident, event, now, { status: event.status }, key));
  } else if (supersedes(event, existing) && event.status !== existing.status) {
    child = { ...existing, status: event.status, changedAt: event.occurredAt, severity: moreSevere(existing.severity, event.severity) };
    const kind = event.status === 'resolved' ? 'child.resolved' : 'child.refired';
    effects.push(journal(kind, state.incident, event, now, {}, key));
  } else {
    // Same status again, or an older event arriving late: it must not undo a newer status, but a
    // newer repeat moves changedAt so that an older status change cannot win over it later.
    const changedAt = supersedes(event, existing) ? event.occurredAt : existing.changedAt;
    child = { ...existing, changedAt, repeats: existing.repeats + 1 };
    effects.push(journal('child.repeated', state.incident, event, now, { repeats: child.repeats }, key));
  }

  const incident = widen({ ...state.incident, children: { ...state.incident.children, [key]: child } }, event);
  return settle(state, incident, event, now, effects);
}

/** Decide the incident's status from its children, and journal the change if there is one. */
function settle(state: Live, incident: IncidentBody, event: CanonicalEvent, now: string, effects: Effect[]): Transition {
  const firing = firingChildren(incident) > 0;
  if (state.status === 'open' && !firing) {
    const resolved = { ...incident, resolvedAt: now };
    effects.push(journal('incident.resolved', resolved, event, now, { reason: 'no child firing' }));
    return { state: { status: 'resolved', signature: state.signature, incident: resolved }, effects };
  }
  if (state.status === 'resolved' && firing) {
    // Issue 3 bounds this with reopenWindow; until then a signature firing again reopens its incident.
    const reopened = { ...incident, resolvedAt: null };
    effects.push(journal('incident.reopened', reopened, event, now, { reason: 'child firing again' }));
    return { state: { status: 'open', signature: state.signature, incident: reopened }, effects };
  }
  return { state: { ...state, incident }, effects };
}

/**
 * A child's status follows its newest event. Ties go to `resolved`, so the same events give the
 * same result in any delivery order.
 */
function supersedes(event: CanonicalEvent, child: Child): boolean {
  if (event.occurredAt !== child.changedAt) return event.occurredAt > child.changedAt;
  return event.status === 'resolved' && child.status === 'firing';
}

function openIncident(signature: string, event: CanonicalEvent, now: string): IncidentBody {
  return {
    id: incidentIdFor(signature, 1),
    signature,
    title: event.symptom,
    severity: event.severity,
    system: event.system,
    facilities: [],
    departments: [],
    firstSeen: event.occurredAt,
    lastSeen: event.occurredAt,
    openedAt: now,
    resolvedAt: null,
    patientImpact: false,
    correlationId: event.correlationId,
    children: {},
  };
}

function newChild(key: string, event: CanonicalEvent): Child {
  return {
    key,
    id: event.id,
    kind: event.kind,
    source: event.source,
    status: event.status,
    severity: event.severity,
    firstSeen: event.occurredAt,
    changedAt: event.occurredAt,
    repeats: 0,
    ...(event.requester ? { requesterToken: event.requester.token } : {}),
    ...(event.facility ? { facility: event.facility } : {}),
    ...(event.department ? { department: event.department } : {}),
  };
}

/** What every event adds to the blast radius, whether or not it changes a child's status. */
function widen(incident: IncidentBody, event: CanonicalEvent): IncidentBody {
  return {
    ...incident,
    severity: moreSevere(incident.severity, event.severity),
    facilities: addSorted(incident.facilities, event.facility),
    departments: addSorted(incident.departments, event.department),
    firstSeen: event.occurredAt < incident.firstSeen ? event.occurredAt : incident.firstSeen,
    lastSeen: event.occurredAt > incident.lastSeen ? event.occurredAt : incident.lastSeen,
    patientImpact: incident.patientImpact || event.patientImpact,
  };
}

function addSorted(values: string[], value: string | undefined): string[] {
  if (value === undefined || values.includes(value)) return values;
  return [...values, value].sort();
}

function journal(
  kind: JournalKind,
  incident: IncidentBody,
  event: CanonicalEvent,
  now: string,
  data: Record<string, unknown>,
  childKey?: string,
): Effect {
  const entry: JournalEntry = { kind, incidentId: incident.id, correlationId: event.correlationId, at: now, data };
  return { type: 'journal', entry: childKey === undefined ? entry : { ...entry, childKey } };
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
