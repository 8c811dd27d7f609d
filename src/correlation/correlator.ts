import { childKeyOf, type CanonicalEvent, type EventSource } from './canonical-event.js';
import { CorrelationIndex, type IndexEntry } from './correlation-index.js';
import { Decisions } from './decisions.js';
import { evolve, isRepeat, journalEntries } from './evolve.js';
import { childOf, isActive, type Child, type IncidentLink, type IncidentState } from './incident.js';
import type { Command, IncidentMessage, Route } from './messages.js';
import { ref, type DependencyRule, type RuleRef, type RuleSet } from './rules.js';
import { signatureWith } from './signature.js';
import { SourceInterner } from './source-interner.js';
import { overlap, tokensOf } from './tokens.js';
import type { JournalEntry, Transition } from './transition.js';
import { iso } from './windows.js';

/** Where actors live: the runtime's registry with its pending batch, or a plain map in simulations. */
export interface World {
  load(signature: string): Promise<IncidentState> | IncidentState;
  store(signature: string, transition: Transition, entries: JournalEntry[]): void;
  /**
   * With several instances, whether this one may run the actor of `signature` now. A delivery
   * for an actor elsewhere is not run here but handed to `forward`, already decided (routed,
   * scored): the owner applies it as it is instead of routing it again. Absent: every actor is here.
   */
  isLocal?(signature: string): boolean;
  forward?(input: Input): void;
  /**
   * The incident holding the child with this key (childKeyOf) as this input finds it: what the
   * inputs before it did (the world's own actors) first, then what was committed. null: no
   * incident holds it.
   */
  holderOf(childKey: string): Promise<ChildHolder | null> | ChildHolder | null;
}

/**
 * A source event that names only the child it ends: a PagerDuty resolve carries nothing but its
 * dedup key. Intake cannot know which incident holds that child (its trigger may still be in the
 * inbox, or in a batch not yet committed), so it appends this as it is and the correlator resolves
 * it when it runs, in order after everything before it: the holder's signature found
 * (World.holderOf), it becomes that child's own `resolved` event addressed there. A child no
 * incident holds is ignored (Outcome.ignored) and journaled nowhere, as PagerDuty accepts a
 * resolve for an unknown dedup key. Plain data: stored as JSON in the inbox.
 */
export interface ResolveInput {
  type: 'resolve';
  /** The source and id the child was kept under (id: the keyed token of the sender's key). */
  source: EventSource;
  id: string;
  occurredAt: string;
  receivedAt: string;
  correlationId: string;
}

/**
 * The incident holding a child, with what a resolve needs to stand in for that child's own event:
 * the child's kind, severity and place, and the incident's system and title (what its events
 * carried in). Every field was stored from an admitted event.
 */
export interface ChildHolder {
  signature: string;
  system: string;
  title: string;
  /** When the incident last saw an event: among several holders, the latest wins. */
  lastSeen: string;
  child: Pick<Child, 'kind' | 'severity' | 'facility' | 'department'>;
}

/** The holder of `childKey` among these states, if any (the latest seen, when several hold it). */
export function holderIn(states: Iterable<IncidentState>, childKey: string): ChildHolder | null {
  let found: ChildHolder | null = null;
  for (const state of states) {
    if (state.status === 'none') continue;
    const child = childOf(state.incident, childKey);
    if (!child || (found && found.lastSeen >= state.incident.lastSeen)) continue;
    const { system, title, lastSeen } = state.incident;
    found = { signature: state.signature, system, title, lastSeen, child: { kind: child.kind, severity: child.severity, ...(child.facility ? { facility: child.facility } : {}), ...(child.department ? { department: child.department } : {}) } };
  }
  return found;
}

export type Input =
  /** `signature` addresses a known incident directly (e.g. a resolve that names only a dedup key). */
  | { type: 'event'; event: CanonicalEvent; signature?: string }
  /** `incidentId` pins the command to one episode: a command for an incident since replaced is refused. */
  | { type: 'command'; signature: string; command: Command; incidentId?: string }
  | { type: 'tick'; signature: string }
  /** A delivery decided on another instance for an actor this one owns (see World.forward). */
  | { type: 'delivery'; signature: string; delivery: Delivery }
  | ResolveInput;

export interface Outcome {
  /** The incident the input ended up in (after routing and forwarding), if any. */
  incidentId: string | null;
  signature: string;
  duplicate: boolean;
  rejected?: string;
  /** Handed to the instance that owns the target actor: accepted (durably), not yet applied. */
  forwarded?: true;
  /** Nothing to apply, and why (a resolve for a child no incident holds): journaled nowhere. */
  ignored?: string;
  /** Set by the runtime: this input alone was set aside (nothing of it kept) so that the rest of its batch could commit. */
  quarantined?: Quarantine;
}

/**
 * Why the runtime set one input aside: the database refused what it produced (`unstorable`), or
 * correlating it threw (`correlation-failed`, a fault in a rule or the core). `detail` is safe to
 * show the sender: it never quotes the database's error text or the event.
 */
export interface Quarantine {
  reason: 'unstorable' | 'correlation-failed';
  detail: string;
}

/** One message for one actor; plain data, so it can travel to the instance that owns the actor. */
export interface Delivery {
  to: string;
  message: IncidentMessage;
  /** This delivery carries the input itself (not a consequence of it): its result is the outcome. */
  primary: boolean;
  suggest?: { target: IndexEntry; score: number; rule: RuleRef };
}

// Merges forward, splits adopt, dependencies reparent: a chain longer than this is a loop.
const MAX_DELIVERIES = 64;

/**
 * Cross-incident correlation on top of the single-signature actors: routes human reports to the
 * incident they belong to, applies identity context and the dependency graph, and delivers the
 * messages actors send each other. Pure apart from the World it is handed.
 */
export class Correlator {
  /** New children share one source object per distinct source (source-interner.ts). */
  private readonly sources = new SourceInterner();
  private readonly signatures = new WeakMap<CanonicalEvent, ReturnType<typeof signatureWith>>();

  constructor(
    readonly rules: RuleSet,
    // Identity marks live as long as the longest identity rule can use them; none without such rules.
    readonly index = new CorrelationIndex(Math.max(0, ...rules.identity.map((rule) => rule.withinMs))),
  ) {}

  /**
   * The actor an input goes to first; lets the runtime hydrate it before the batch's turns.
   * Undefined for a resolve: its actor is found as it runs (World.holderOf).
   */
  signatureFor(input: Exclude<Input, ResolveInput>): string;
  signatureFor(input: Input): string | undefined;
  signatureFor(input: Input): string | undefined {
    switch (input.type) {
      case 'event':
        return input.signature ?? this.signatureOf(input.event).signature;
      case 'resolve':
        return undefined;
      default:
        return input.signature;
    }
  }

  /**
   * An event's signature and the rule that made it, worked out once: the runtime asks for it to
   * hydrate the actor, then the event is routed with it. Kept by the event object, so nothing
   * outlives the event.
   */
  private signatureOf(event: CanonicalEvent): ReturnType<typeof signatureWith> {
    let derived = this.signatures.get(event);
    if (!derived) this.signatures.set(event, (derived = signatureWith(event, this.rules)));
    return derived;
  }

  async handle(input: Input, world: World, now: Date): Promise<Outcome> {
    if (input.type === 'resolve') {
      const found = world.holderOf(childKeyOf(input));
      const holder = found instanceof Promise ? await found : found;
      if (!holder) return { incidentId: null, signature: '', duplicate: false, ignored: 'no incident holds this child: corral never saw its trigger, or no longer keeps it' };
      return this.handle({ type: 'event', event: resolvedEvent(input, holder), signature: holder.signature }, world, now);
    }
    const queue: Delivery[] = [this.firstDelivery(input, now)];
    let outcome: Outcome = { incidentId: null, signature: queue[0]?.to ?? '', duplicate: false };

    for (let count = 0; queue.length > 0; count++) {
      if (count >= MAX_DELIVERIES) throw new Error(`correlation loop: more than ${MAX_DELIVERIES} deliveries for one input`);
      const delivery = queue.shift() as Delivery;
      if (world.forward && world.isLocal && !world.isLocal(delivery.to)) {
        // A command or tick keeps its own shape (the owner checks the episode it names); anything
        // else travels as the delivery decided here, so the owner does not route it again.
        world.forward(count === 0 && (input.type === 'command' || input.type === 'tick') ? input : { type: 'delivery', signature: delivery.to, delivery });
        if (delivery.primary) outcome = { incidentId: null, signature: delivery.to, duplicate: false, forwarded: true };
        continue;
      }
      // Awaited only when the actor had to be read: a microtask per delivery adds up over a batch.
      const loaded = world.load(delivery.to);
      const before = loaded instanceof Promise ? await loaded : loaded;
      if (delivery.primary && input.type === 'command' && input.incidentId && (before.status === 'none' || before.incident.id !== input.incidentId)) {
        const rejected = 'this incident is no longer the current one for its signature';
        // A forwarded command's sender waits for a row naming its request (IncidentCommandsService):
        // this refusal is journaled too, on the incident the command named, like the actor's own.
        if (input.command.requestId !== undefined) {
          const refusal = staleEpisodeRefusal(before, input.command, input.incidentId, rejected, now);
          world.store(delivery.to, refusal, journalEntries(refusal));
        }
        return { incidentId: input.incidentId, signature: delivery.to, duplicate: false, rejected };
      }
      const transition = evolve(before, delivery.message, now, this.rules, this.sources);
      world.store(delivery.to, transition, journalEntries(transition));
      this.index.apply(transition.state);

      const sends = transition.effects.flatMap((e) => (e.type === 'send' ? [e] : []));
      for (const send of sends) {
        const forwardsInput = delivery.primary && send.message.type === delivery.message.type && send.message.type === 'event';
        queue.push({ to: send.to, message: send.message, primary: forwardsInput });
      }
      if (delivery.primary && !sends.some((s) => s.message.type === delivery.message.type)) {
        const state = transition.state;
        outcome = {
          incidentId: state.status === 'none' ? null : state.incident.id,
          signature: delivery.to,
          duplicate: delivery.message.type === 'event' && isRepeat(transition),
          ...(transition.rejected !== undefined ? { rejected: transition.rejected } : {}),
        };
      }
      if (delivery.suggest && transition.state.status !== 'none' && transition.state.incident.id !== delivery.suggest.target.incidentId) {
        const { target, score, rule } = delivery.suggest;
        const from = { incidentId: transition.state.incident.id, signature: delivery.to };
        queue.push({
          to: target.signature,
          message: { type: 'suggest', suggestion: { id: suggestionId(from, target), from, score, rule, title: transition.state.incident.title } },
          primary: false,
        });
      }
      queue.push(...this.dependencyFollowUps(before, transition.state));
    }
    return outcome;
  }

  private firstDelivery(input: Input, now: Date): Delivery {
    switch (input.type) {
      case 'tick':
        return { to: input.signature, message: { type: 'tick' }, primary: true };
      case 'command':
        return { to: input.signature, message: { type: 'command', command: input.command }, primary: true };
      case 'delivery':
        return input.delivery;
      case 'resolve':
        throw new Error('a resolve is addressed by handle, once its holder is found');
      case 'event': {
        const { signature: derived, rule } = this.signatureOf(input.event);
        const route: Route = { signatureRule: ref(rule) };
        if (input.signature !== undefined) return { to: input.signature, message: { type: 'event', event: input.event, route }, primary: true };
        const signature = derived;
        if (input.event.kind !== 'report') return { to: signature, message: { type: 'event', event: input.event, route }, primary: true };
        return this.routeReport(input.event, signature, route, now);
      }
      default:
        throw new Error(`unhandled input ${JSON.stringify(input)}`);
    }
  }

  /**
   * A report goes to the incident it is about: first one its requester's own account change
   * explains (identity context), then the best-scoring active incident on its system. Below the
   * rule's attach threshold it starts its own incident and only suggests the match.
   */
  private routeReport(event: CanonicalEvent, signature: string, route: Route, now: Date): Delivery {
    const primary = (to: string, extra: Partial<Route> = {}): Delivery => ({ to, message: { type: 'event', event, route: { ...route, ...extra } }, primary: true });

    const token = event.requester?.token;
    if (token) {
      for (const rule of this.rules.identity) {
        const mark = this.index
          .identityMarks(token)
          .filter((m) => rule.actions.includes(m.action) && now.getTime() - Date.parse(m.at) <= rule.withinMs && Date.parse(m.at) <= now.getTime())
          .sort((a, b) => b.at.localeCompare(a.at))[0];
        if (mark) return primary(mark.signature, { attach: { ...ref(rule), score: 1 } });
      }
    }

    const rule = this.rules.reports.find((r) => !r.systems || r.systems.includes(event.system));
    if (!rule) return primary(signature);
    const reportTokens = tokensOf(event.symptom);
    const known = event.system !== 'unknown';
    const candidates = (known ? this.index.activeOn(event.system) : this.index.entries())
      .filter((entry) => !(rule.sameFacility && event.facility && entry.scope !== null && entry.scope !== event.facility))
      .map((entry) => ({ entry, score: scoreReport(event, reportTokens, entry) }))
      .sort((a, b) => b.score - a.score || a.entry.openedAt.localeCompare(b.entry.openedAt) || a.entry.signature.localeCompare(b.entry.signature));
    const best = candidates[0];
    if (!best || best.entry.signature === signature) return primary(signature);
    const score = Math.round(best.score * 1000) / 1000;
    if (best.score >= rule.attachAt) return primary(best.entry.signature, { attach: { ...ref(rule), score } });
    const own = primary(signature);
    return best.score >= rule.suggestAt ? { ...own, suggest: { target: best.entry, score, rule: ref(rule) } } : own;
  }

  /**
   * The dependency graph: an incident that opens on a downstream system while an upstream one is
   * active becomes its child; when an upstream incident opens or ends, its downstream incidents
   * are re-evaluated.
   */
  private dependencyFollowUps(before: IncidentState, after: IncidentState): Delivery[] {
    if (after.status === 'none' || this.rules.dependencies.length === 0) return [];
    const wasActive = before.status !== 'none' && isActive(before.status) && 'incident' in before && before.incident.id === after.incident.id;
    const nowActive = isActive(after.status);
    const followUps: Delivery[] = [];
    if (nowActive && !wasActive && !after.incident.parent) {
      const parent = this.nearestActiveUpstream(after.incident.system, after.incident.facilities);
      if (parent) followUps.push({ to: after.signature, message: { type: 'reparent', parent }, primary: false });
    }
    if (wasActive !== nowActive) {
      for (const down of this.rules.dependencies.filter((d) => d.upstream === after.incident.system).flatMap((d) => d.downstream)) {
        for (const entry of this.index.activeOn(down)) {
          const parent = this.nearestActiveUpstream(entry.system, entry.facilities);
          if ((parent?.incidentId ?? null) !== entry.parentId) followUps.push({ to: entry.signature, message: { type: 'reparent', parent }, primary: false });
        }
      }
    }
    return followUps;
  }

  private nearestActiveUpstream(system: string, facilities: string[]): (IncidentLink & { rule: RuleRef }) | null {
    const seen = new Set<string>([system]);
    let frontier: Array<{ system: string; rule?: DependencyRule }> = [{ system }];
    while (frontier.length > 0) {
      const next: Array<{ system: string; rule: DependencyRule }> = [];
      for (const { system: down } of frontier) {
        for (const rule of this.rules.dependencies.filter((d) => d.downstream.includes(down))) {
          const upstream = this.index
            .activeOn(rule.upstream)
            .filter((entry) => entry.facilities.length === 0 || facilities.length === 0 || entry.facilities.some((f) => facilities.includes(f)))
            .sort((a, b) => a.openedAt.localeCompare(b.openedAt) || a.signature.localeCompare(b.signature))[0];
          if (upstream) return { incidentId: upstream.incidentId, signature: upstream.signature, rule: ref(rule) };
          if (!seen.has(rule.upstream)) {
            seen.add(rule.upstream);
            next.push({ system: rule.upstream, rule });
          }
        }
      }
      frontier = next;
    }
    return null;
  }
}

/**
 * Confidence that a report belongs to an incident: the same system is most of it (the helpdesk
 * said so), the same facility a little more, shared words the rest.
 */
export function scoreReport(event: Pick<CanonicalEvent, 'system' | 'facility'>, reportTokens: string[], entry: IndexEntry): number {
  const system = event.system === entry.system ? 0.5 : 0;
  const facility = event.facility && entry.facilities.includes(event.facility) ? 0.1 : !event.facility || entry.facilities.length === 0 ? 0.05 : 0;
  return system + facility + 0.4 * overlap(reportTokens, [...entry.vocabulary, ...tokensOf(entry.system.replace(/[-_.]/g, ' '))]);
}

/**
 * The child's own `resolved` event, as its source would have sent it: the resolve's id, source and
 * instants, the child's kind, severity and place, the incident's system and title. Nothing in it
 * comes from the sender but what intake admitted in the resolve (a keyed id, a checked system),
 * so it passes admission as every event did.
 */
function resolvedEvent(resolve: ResolveInput, holder: ChildHolder): CanonicalEvent {
  const { child } = holder;
  return {
    id: resolve.id,
    schemaVersion: '1',
    kind: child.kind,
    source: resolve.source,
    occurredAt: resolve.occurredAt,
    receivedAt: resolve.receivedAt,
    status: 'resolved',
    severity: child.severity,
    system: holder.system,
    symptom: holder.title,
    patientImpact: false,
    correlationId: resolve.correlationId,
    ...(child.facility ? { facility: child.facility } : {}),
    ...(child.department ? { department: child.department } : {}),
  };
}

function suggestionId(from: IncidentLink, target: IndexEntry): string {
  return `sg-${from.incidentId.slice(0, 8)}-${target.incidentId.slice(0, 8)}`;
}

/** A command pinned to an episode that has since been replaced: refused without running the actor. */
function staleEpisodeRefusal(state: IncidentState, command: Command, incidentId: string, reason: string, now: Date): Transition {
  const d = new Decisions(iso(now), state.status === 'none' ? '' : state.incident.correlationId, command.requestId === undefined ? undefined : { request: command.requestId });
  d.journal('command.rejected', { id: incidentId }, { verb: command.verb, by: command.by, reason });
  return d.done(state, reason);
}
