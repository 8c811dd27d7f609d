import { childKeyOf, type CanonicalEvent } from '../correlation/canonical-event.js';
import { staleEpisodeRefusal } from '../correlation/commands.js';
import { CorrelationIndex } from '../correlation/correlation-index.js';
import { evolve, isRepeat, journalEntries } from '../correlation/evolve.js';
import type { IncidentState } from '../correlation/incident.js';
import { resolvedEvent, type ChildHolder, type Delivery, type Input, type Outcome } from '../correlation/inputs.js';
import { followUps } from '../correlation/follow-ups.js';
import { derive, route, type Derived, type RouteContext } from '../correlation/route.js';
import type { RuleSet } from '../correlation/rules.js';
import { SourceInterner } from '../correlation/source-interner.js';
import type { JournalEntry, Transition } from '../correlation/transition.js';

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

// Merges forward, splits adopt, dependencies reparent: a chain longer than this is a loop.
const MAX_DELIVERIES = 64;
// A person's report notes are dropped when they report again; those who never do are swept this often.
const SWEEP_EVERY = 4096;

/**
 * The delivery loop: an input is routed to its first actor (route), each actor takes its message
 * (evolve: state in, state and effects out), and the deliveries a transition makes for other
 * actors (its sends, routing's suggestion, the dependency graph's follow-ups) run in turn, in the
 * same batch. It keeps the correlation index current as states change, and hands deliveries for
 * actors another instance owns to World.forward. The decisions are the core's pure functions
 * (src/correlation); this is the part that sequences them and talks to the World.
 */
export class Correlator {
  /** New children share one source object per distinct source (source-interner.ts). */
  private readonly sources = new SourceInterner();
  private signatures = new WeakMap<CanonicalEvent, Derived>();
  /** Inputs handled; every SWEEP_EVERY of them, notes of people who reported nothing lately go. */
  private handled = 0;
  /** A rule set loaded while a batch was being correlated: it takes over when the next batch begins. */
  private next: RuleSet | undefined;

  constructor(
    private current: RuleSet,
    // Identity marks live as long as the longest identity rule can use them; none without such rules.
    readonly index = new CorrelationIndex(Math.max(0, ...current.identity.map((rule) => rule.withinMs))),
  ) {}

  get rules(): RuleSet {
    return this.current;
  }

  /**
   * Rules changed without a restart: they apply from the next batch on (`beginBatch`), so one
   * batch is never correlated under two rule sets. Signatures worked out under the old rules are
   * forgotten. The index keeps the identity marks' horizon it was built with.
   */
  replaceRules(rules: RuleSet): void {
    this.next = rules;
  }

  /** Called by the runtime before it correlates a batch (and by simulations before an input). */
  beginBatch(): void {
    if (!this.next) return;
    this.current = this.next;
    this.next = undefined;
    this.signatures = new WeakMap();
  }

  /**
   * The actor an input goes to first; lets the runtime hydrate it before the batch's turns.
   * Undefined for a resolve: its actor is found as it runs (World.holderOf).
   */
  signatureFor(input: Exclude<Input, { type: 'resolve' }>): string;
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
  private readonly signatureOf = (event: CanonicalEvent): Derived => {
    let derived = this.signatures.get(event);
    if (!derived) this.signatures.set(event, (derived = derive(event, this.rules)));
    return derived;
  };

  async handle(input: Input, world: World, now: Date): Promise<Outcome> {
    if (input.type === 'resolve') {
      const found = world.holderOf(childKeyOf(input));
      const holder = found instanceof Promise ? await found : found;
      if (!holder) return { incidentId: null, signature: '', duplicate: false, ignored: 'no incident holds this child: corral never saw its trigger, or no longer keeps it' };
      return this.handle({ type: 'event', event: resolvedEvent(input, holder), signature: holder.signature }, world, now);
    }
    if (++this.handled % SWEEP_EVERY === 0) this.index.forgetReportsBefore(now);
    const context: RouteContext = { rules: this.rules, index: this.index, now, signatureOf: this.signatureOf };
    const queue: Delivery[] = [route(input, context)];
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
      const message = delivery.message;
      // A person's report, where it landed: an account change of theirs arriving later may pull it over (route.ts identityPulls).
      if (message.type === 'event' && message.event.kind === 'report' && message.event.requester && transition.state.status !== 'none' && transition.state.status !== 'merged') {
        this.index.noteReport(message.event.requester.token, { signature: delivery.to, childKey: childKeyOf(message.event), at: message.event.occurredAt });
      }

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
      queue.push(...followUps(delivery, before, transition.state, context));
    }
    return outcome;
  }
}
