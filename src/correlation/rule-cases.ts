import type { CanonicalEvent } from './canonical-event.js';
import { parseDuration } from './rules.js';

// Rule cases: "given these events at these times, expect these incidents". The same documents drive
// `corral rules test` (in memory) and the end-to-end scenario suite (through NATS and Postgres), so
// a hospital's review case and corral's own tests speak one language.

export interface CaseStep {
  /** Processing time, as an offset from the case's start. */
  atMs: number;
  events: CanonicalEvent[];
  commands: Array<{ system: string; verb: 'acknowledge' | 'resolve' | 'reopen'; by: string }>;
}

export interface ExpectedIncident {
  system: string;
  facility?: string;
  episode?: number;
  status?: string;
  children?: number;
  requesters?: number;
  priority?: string;
  parentSystem?: string | null;
  suppressed?: boolean;
  tickets?: string[];
}

export interface RuleCase {
  name: string;
  start: string;
  steps: CaseStep[];
  expect: { count?: number; incidents: ExpectedIncident[] };
}

/** What was observed about one incident, however it was observed. */
export interface ObservedIncident {
  id: string;
  system: string;
  facilities: string[];
  episode: number;
  status: string;
  children: number;
  requesters: number;
  priority: string;
  parentSystem: string | null;
  suppressed: boolean;
  tickets: string[];
}

type Obj = Record<string, unknown>;

export class CaseError extends Error {}

export function parseCases(document: unknown, file: string): RuleCase[] {
  const cases = (document as Obj | null)?.cases;
  if (!Array.isArray(cases)) throw new CaseError(`${file}: expected a map with a "cases" list`);
  return cases.map((raw: unknown, index) => parseCase(raw as Obj, `${file}: cases[${index}]`));
}

function parseCase(raw: Obj, where: string): RuleCase {
  const name = typeof raw.name === 'string' ? raw.name : where;
  const start = new Date(typeof raw.start === 'string' ? raw.start : '2026-11-24T07:00:00Z');
  if (Number.isNaN(start.getTime())) throw new CaseError(`${where}: "start" must be an ISO-8601 date-time`);
  if (!Array.isArray(raw.steps)) throw new CaseError(`${where}: "steps" must be a list`);
  let counter = 0;
  const steps = raw.steps.map((step: Obj, i): CaseStep => {
    const atMs = step.at === undefined ? 0 : typeof step.at === 'string' ? parseDuration(step.at) : undefined;
    if (atMs === undefined) throw new CaseError(`${where}: steps[${i}].at must be a duration such as 0s or 5m`);
    const now = new Date(start.getTime() + atMs).toISOString();
    const repeat = typeof step.repeat === 'number' ? step.repeat : 1;
    const events = Array.isArray(step.events) ? (step.events as Obj[]) : [];
    const expanded: CanonicalEvent[] = [];
    for (let r = 0; r < repeat; r++) for (const e of events) expanded.push(eventFrom(e, now, `${name}-${++counter}`, r));
    const commands = Array.isArray(step.commands) ? (step.commands as CaseStep['commands']) : [];
    return { atMs, events: expanded, commands };
  });
  const expect = (raw.expect ?? {}) as Obj;
  const incidents = Array.isArray(expect.incidents) ? (expect.incidents as ExpectedIncident[]) : [];
  return { name, start: start.toISOString(), steps, expect: { ...(typeof expect.count === 'number' ? { count: expect.count } : {}), incidents } };
}

/**
 * Fills what a case leaves out. `{n}` in id, symptom or requester is replaced by the repetition
 * number, so `repeat: 30` makes thirty distinct reports.
 */
function eventFrom(raw: Obj, now: string, fallbackId: string, n: number): CanonicalEvent {
  const fill = (value: unknown) => (typeof value === 'string' ? value.replaceAll('{n}', String(n)) : value);
  const requester = raw.requester === undefined ? undefined : typeof raw.requester === 'string' ? { token: fill(raw.requester) as string } : (raw.requester as { token: string });
  const kind = (raw.kind as CanonicalEvent['kind'] | undefined) ?? 'alert';
  const event = {
    id: (fill(raw.id) as string | undefined) ?? fallbackId,
    schemaVersion: '1' as const,
    kind,
    source: (raw.source as CanonicalEvent['source'] | undefined) ?? { type: kind === 'report' ? ('helpdesk' as const) : ('canonical' as const), system: kind === 'report' ? 'helpdesk' : 'monitor' },
    occurredAt: (raw.occurredAt as string | undefined) ?? now,
    receivedAt: now,
    status: (raw.status as CanonicalEvent['status'] | undefined) ?? 'firing',
    severity: (raw.severity as CanonicalEvent['severity'] | undefined) ?? 'medium',
    system: raw.system as string,
    symptom: (fill(raw.symptom) as string | undefined) ?? 'problem',
    patientImpact: (raw.patientImpact as boolean | undefined) ?? false,
    // A correlation id is a code (no spaces): the case name becomes one.
    correlationId: `case-${fallbackId.replace(/[^\w.:-]+/g, '-')}`,
    ...(raw.facility ? { facility: raw.facility as string } : {}),
    ...(raw.department ? { department: raw.department as string } : {}),
    ...(raw.errorSignature ? { errorSignature: raw.errorSignature as string } : {}),
    ...(requester ? { requester } : {}),
  };
  return event;
}

/** Every way the observed incidents differ from the expected ones; empty when the case passes. */
export function compare(expected: RuleCase['expect'], observed: ObservedIncident[]): string[] {
  const failures: string[] = [];
  if (expected.count !== undefined && observed.length !== expected.count) {
    failures.push(`expected ${expected.count} incidents, found ${observed.length}: ${observed.map(describe).join('; ')}`);
  }
  const unclaimed = [...observed];
  for (const want of expected.incidents) {
    const index = unclaimed.findIndex(
      (o) => o.system === want.system && (want.facility === undefined || o.facilities.includes(want.facility)) && (want.episode === undefined || o.episode === want.episode),
    );
    const label = `incident on ${want.system}${want.facility ? `@${want.facility}` : ''}${want.episode ? ` #${want.episode}` : ''}`;
    if (index < 0) {
      failures.push(`${label}: not found among ${observed.map(describe).join('; ') || 'no incidents'}`);
      continue;
    }
    const got = unclaimed.splice(index, 1)[0];
    const check = <K extends keyof ObservedIncident>(key: K, value: ObservedIncident[K] | undefined) => {
      if (value !== undefined && JSON.stringify(got[key]) !== JSON.stringify(value)) failures.push(`${label}: ${key} is ${JSON.stringify(got[key])}, expected ${JSON.stringify(value)}`);
    };
    check('status', want.status);
    check('children', want.children);
    check('requesters', want.requesters);
    check('priority', want.priority);
    check('parentSystem', want.parentSystem);
    check('suppressed', want.suppressed);
    check('tickets', want.tickets);
  }
  return failures;
}

function describe(o: ObservedIncident): string {
  return `${o.system}#${o.episode} ${o.status} (${o.children} children)`;
}
