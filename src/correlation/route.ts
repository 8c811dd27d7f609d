import { accountAction } from './account-action.js';
import type { CanonicalEvent } from './canonical-event.js';
import { byOpening, type CorrelationIndex, type IndexEntry } from './correlation-index.js';
import type { Delivery, Input, ResolveInput } from './inputs.js';
import type { Route } from './messages.js';
import { matches, ref, reportRuleFor, type RuleSet, type SignatureRule, type SpreadRule } from './rules.js';
import { nearestActiveUpstream } from './follow-ups.js';
import { signatureWith } from './signature.js';
import { overlap, tokensOf } from './tokens.js';
import { isUnnamed, nameEvent, problemClassOf, problemClassOfSignature, problemRule, standsAlone, systemRule, systemsNamedIn, type Named, type ProblemRule, type SystemRule } from './names.js';

// Routing, as pure functions: which actor an input goes to first (route); the deliveries an actor's
// transition makes for others are follow-ups.ts. Both read the correlation index the runtime keeps
// and never change it; the runtime's delivery loop (src/actors/correlator.ts) runs them with the
// actors' own step (evolve).

/** An event with its codes in canonical form (names.ts), its signature and the signature rule that made it. */
export type Derived = ReturnType<typeof signatureWith> & Named;

/** What routing needs of an event, worked out once: its codes named, then its signature from them. */
export function derive(event: CanonicalEvent, rules: RuleSet): Derived {
  const named = nameEvent(event, rules.lexicon);
  return { ...signatureWith(named.event, rules), ...named };
}

export interface RouteContext {
  rules: RuleSet;
  index: CorrelationIndex;
  now: Date;
  /** The event's signature (the runtime works it out once per event and remembers it). */
  signatureOf: (event: CanonicalEvent) => Derived;
}

/** The first delivery an input makes: to its own actor, or, for a report, to the incident it is about. */
export function route(input: Exclude<Input, ResolveInput>, context: RouteContext): Delivery {
  switch (input.type) {
    case 'tick':
      return { to: input.signature, message: { type: 'tick' }, primary: true };
    case 'command':
      return { to: input.signature, message: { type: 'command', command: input.command }, primary: true };
    case 'delivery':
      return input.delivery;
    case 'event': {
      const { signature, rule, event, namedBy } = context.signatureOf(input.event);
      const route: Route = { signatureRule: ref(rule), ...(namedBy ? { namedBy } : {}) };
      if (input.signature !== undefined) return { to: input.signature, message: { type: 'event', event, route }, primary: true };
      if (event.kind !== 'report') {
        const outage = context.index.get(signature) ? undefined : outageAbsorbing(event, context);
        if (outage) return { to: outage.entry.signature, message: { type: 'event', event, route: { ...route, attach: { ...ref(outage.rule), score: 1 } } }, primary: true };
        const spread = context.index.get(signature) ? undefined : spreadFrom(event, signature, rule, context);
        if (spread) return { to: spread.entry.signature, message: { type: 'event', event, route: { ...route, spread: ref(spread.rule) } }, primary: true };
        return { to: signature, message: { type: 'event', event, route }, primary: true };
      }
      return routeReport(event, signature, route, context);
    }
  }
}

/**
 * The active outage of the event's (shared) system that takes it: a problem the rules put in no
 * class, on a system whose outage incident (a class that `absorbs`) is active, is that outage.
 * A problem in another class (a disk filling up) keeps its own incident.
 */
function outageAbsorbing(event: CanonicalEvent, { rules, index }: RouteContext): { entry: IndexEntry; rule: ProblemRule } | undefined {
  if (rules.lexicon.problems.length === 0 || systemRule(rules.lexicon, event.system)?.scope !== 'shared') return undefined;
  if (problemClassOf(rules.lexicon, event)) return undefined;
  for (const { rule } of rules.lexicon.problems) {
    if (!rule.absorbs || (rule.kinds && !rule.kinds.includes(event.kind))) continue;
    const marker = `|~${rule.class}|`;
    const entry = index
      .activeOn(event.system)
      .filter((e) => `${e.signature}|`.includes(marker))
      .sort(byOpening)[0];
    if (entry) return { entry, rule };
  }
  return undefined;
}

/**
 * The incident the same problem opened elsewhere that this event joins (spread rules): on a system
 * the rules give no scope, the same problem at another facility, recently (seen at two sites at
 * once, it is shared); for a signature with the `person` field, another account's same trouble
 * while that account's is still fresh (two people locked out in the same minute is the provider's
 * problem, not theirs).
 */
function spreadFrom(event: CanonicalEvent, signature: string, signatureRule: SignatureRule, { rules, index, now }: RouteContext): { entry: IndexEntry; rule: SpreadRule } | undefined {
  if (rules.spread.length === 0) return undefined;
  const problem = problemClassOfSignature(signature);
  const rule = rules.spread.find(
    (r) => matches(r.match, event) && (!r.classes || (problem !== undefined && r.classes.includes(problem))) && (r.across === 'person' ? event.requester !== undefined : event.facility !== undefined),
  );
  if (!rule) return undefined;
  const at = signatureRule.fields.indexOf(rule.across);
  if (at < 0 || (rule.across === 'facility' && systemRule(rules.lexicon, event.system)?.scope !== undefined)) return undefined;
  const mine = signature.split('|');
  const sameProblem = (other: string) => {
    const theirs = other.split('|');
    return theirs.length === mine.length && theirs.every((field, n) => n === at || field === mine[n]) && theirs[at] !== mine[at];
  };
  // A class one incident across systems (an account change HR pushes on to Okta) names none.
  const anySystem = signatureRule.fields.includes('system') && mine[signatureRule.fields.indexOf('system')] === '*';
  const onSystem = () => (anySystem ? index.activeOnAnySystem() : index.activeOn(event.system));
  if (rule.across === 'person') {
    const crowd = crowdOf(event.requester?.token ?? '', sameProblem, index);
    if (crowd) return { entry: crowd, rule };
  }
  // Across people, by the account's newest event (people keep failing for as long as the cause
  // lasts) and, where the rule says so, the same action (a lockout is not a new phone). Across
  // facilities, by the incident's opening.
  const action = accountAction(event.errorSignature, event.symptom);
  // A second factor answered by someone else is never a crowd's by family: it is one person's security matter.
  const sameTrouble = (account: NonNullable<IndexEntry['account']>, onePerson: boolean) =>
    !rule.sameAction || account.action === action || (!onePerson && action !== FRAUD && account.action !== FRAUD && actionFamily(account.action) === actionFamily(action));
  const fresh = (entry: IndexEntry) =>
    rule.across === 'person'
      ? entry.account !== undefined && sameTrouble(entry.account, entry.onePerson) && now.getTime() - Date.parse(entry.account.lastSeen) <= rule.withinMs
      : now.getTime() - Date.parse(entry.openedAt) <= rule.withinMs;
  const entry = onSystem()
    .filter((e) => sameProblem(e.signature) && fresh(e))
    .sort(byOpening)[0];
  return entry ? { entry, rule } : undefined;
}

/**
 * An identity action's family (`mfa` of `mfa.failure` and `mfa.reset`): a crowd two people's same
 * action formed (MFA failing) takes another person's trouble of the same family (their factors
 * reset), as one person's incident does not (a new phone is not a suspicious push).
 */
/** `accountAction`'s name for a second factor answered by someone else. */
const FRAUD = 'mfa.fraud';

function actionFamily(action: string): string {
  const dot = action.indexOf('.');
  return dot < 0 ? action : action.slice(0, dot);
}

/**
 * The crowd a person is already part of, with the same problem: where their earlier account events went
 * (their reset after the lockout goes where the lockout went), or the crowd's incident their own
 * report was put in ("verification failed, third time today" while MFA fails for everyone).
 */
function crowdOf(token: string, sameProblem: (signature: string) => boolean, index: CorrelationIndex): IndexEntry | undefined {
  // The signature names the system (or `*` for a class across systems): the same problem is on the
  // same one. Only an identity incident: a report's signature has other fields in the same places.
  const onSystem = (signature: string) => {
    const entry = sameProblem(signature) ? index.get(signature) : undefined;
    return entry?.origin === 'identity' ? entry : undefined;
  };
  // Newest first, as the identity rules read them, so a rebuilt index chooses as the live one did.
  const newestFirst = <T extends { at: string }>(list: readonly T[]) => [...list].sort((a, b) => b.at.localeCompare(a.at));
  for (const mark of newestFirst(index.identityMarks(token))) {
    const entry = onSystem(mark.signature);
    if (entry) return entry;
  }
  for (const note of newestFirst(index.reportsBy(token))) {
    const entry = onSystem(note.signature);
    if (entry && !entry.onePerson) return entry;
  }
  return undefined;
}

/**
 * A report goes to the incident it is about: first one its requester's own account change
 * explains (identity context), then the best-scoring active incident on its system. Below the
 * rule's attach threshold it starts its own incident and only suggests the match.
 */
function routeReport(event: CanonicalEvent, signature: string, route: Route, { rules, index, now }: RouteContext): Delivery {
  const primary = (to: string, extra: Partial<Route> = {}): Delivery => ({ to, message: { type: 'event', event, route: { ...route, ...extra } }, primary: true });

  const token = event.requester?.token;
  if (token) {
    for (const rule of rules.identity) {
      const mark = index
        .identityMarks(token)
        .filter((m) => (rule.actions.includes(m.action) || (m.problemClass !== undefined && (rule.classes?.includes(m.problemClass) ?? false))) && now.getTime() - Date.parse(m.at) <= rule.withinMs && Date.parse(m.at) <= now.getTime())
        .sort((a, b) => b.at.localeCompare(a.at))[0];
      if (mark) return primary(mark.signature, { attach: { ...ref(rule), score: 1 } });
    }
  }

  const rule = reportRuleFor(rules, event.system);
  if (!rule) return primary(signature);
  const reportTokens = tokensOf(event.symptom);
  const place = event.facility ?? facilityOfDomain(event.labels?.requesterDomain, index);
  // The systems the report is about: the one it was filed under, and every one its words name
  // ("lab results are not crossing into Epic from Rhapsody" is about Rhapsody as much as Epic).
  const about = new Set<string>(isUnnamed(event.system) ? [] : [event.system]);
  // A family of systems named by a pattern ("the printer" names every `printer*`) is matched by rule.
  const families = new Set<SystemRule>();
  for (const named of systemsNamedIn(rules.lexicon, event.symptom)) {
    if (named.system.includes('*')) families.add(named);
    else about.add(named.system);
  }
  // A family is matched by what its systems are: "the computer on wheels blue-screened" names the
  // workstations, and a site's own `windows` job is classed a workstation too.
  const familyClasses = new Set([...families].flatMap((family) => (family.class ? [family.class] : [])));
  const isAbout = (system: string) => {
    if (about.has(system)) return true;
    if (families.size === 0) return false;
    const known = systemRule(rules.lexicon, system);
    return known !== undefined && (families.has(known) || (known.class !== undefined && familyClasses.has(known.class)));
  };
  // Upkeep (a disk filling up) is what a report is about only when it speaks of upkeep too, or of
  // that incident's own particulars ("expand /vna_cache on ls-pacs-arc01"); otherwise an outage on
  // the same system is what people notice. And the other way: a report of such a class ("results
  // bounce, patient not found"), when that class has an incident, is not about an outage of the
  // system that carried the message.
  const reportRule = problemClassOf(rules.lexicon, event);
  const reportClass = reportRule?.class;
  const onNamed = [...about].flatMap((system) => index.activeOn(system));
  if (families.size > 0) onNamed.push(...index.entries().filter((entry) => !about.has(entry.system) && isAbout(entry.system)));
  // A named system is also about what it depends on, when that is down: "troponins resulted in
  // the lab but are not in the chart" while the engine that carries results NACKs them all is that
  // engine's outage, as the lab interface's own incident would be its child. Whether or not the
  // named system has an incident of its own: a repeat of the report goes where the report went.
  for (const system of [...about]) {
    const upstream = nearestActiveUpstream(system, place ? [place] : [], rules, index, event.symptom, true);
    const entry = upstream ? index.get(upstream.signature) : undefined;
    // Every incident active on that system is a candidate, as on a system the report names.
    if (entry && !about.has(entry.system)) {
      about.add(entry.system);
      onNamed.push(...index.activeOn(entry.system));
    }
  }
  // A report in a class of its own kind is about that class's incident wherever the class puts it:
  // "results bounce, patient not found" is the patient-record incident whichever system sent the
  // NACKs, and "my traveler's account was disabled" the account change at its facility.
  const namesNoSystem = about.size + families.size === 0;
  const siteWide = new Set(rules.dependencies.filter((d) => d.downstream.includes('*')).map((d) => d.upstream));
  const atOwnSite = (entry: IndexEntry) => place !== undefined && siteWide.has(entry.system) && entry.facilities.includes(place);
  const ofClass = !reportRule
    ? []
    : !reportRule.absorbs && !reportRule.otherwise
      ? index
          .entries()
          // Across systems (a patient's record) anywhere; an account's change only at the report's own
          // place, as another site's deactivation is another person's.
          .filter((entry) => problemClassOfSignature(entry.signature) === reportClass && ((reportRule.acrossSystems === true && entry.origin !== 'identity') || (namesNoSystem && place !== undefined && entry.facilities.includes(place))))
      : // "Everything is frozen, is the system down?" naming nothing, while a shared system is down
        // everywhere, or the report's own site has lost its network or power (what every system
        // there depends on: `downstream: ["*"]`): that outage is what the wards feel. Another local
        // one is only a candidate by words.
        namesNoSystem
        ? vagueCandidates(index.entries().filter((entry) => problemClassOfSignature(entry.signature) === reportClass && entry.parentId === null), atOwnSite, rules)
        : [];
  const classMatch = new Set(ofClass.map((entry) => entry.incidentId));
  onNamed.push(...ofClass.filter((entry) => !onNamed.includes(entry)));
  // A person calling again ("ED wristbands still blank") is most often about what they called about:
  // the incidents their recent reports went to are candidates, with less weight than a system named.
  const followed = new Set(token ? index.reportsBy(token).map((note) => note.signature) : []);
  for (const followedSignature of followed) {
    const entry = index.get(followedSignature);
    if (entry && !onNamed.includes(entry)) onNamed.push(entry);
  }
  const namesNone = namesNoSystem && classMatch.size === 0;
  // Whether an incident of the report's own `unreported` class is among the candidates.
  const ownClassActive = reportRule?.unreported === true && onNamed.some((entry) => problemClassOfSignature(entry.signature) === reportClass);
  const isUnreported = (entry: IndexEntry) => {
    const problem = problemClassOfSignature(entry.signature);
    if (ownClassActive && problem !== reportClass) return true;
    return problem !== undefined && problem !== reportClass && problemRule(rules.lexicon, problem)?.unreported === true && overlap(reportTokens, entry.vocabulary) < UNREPORTED_WORDS_SHARED;
  };
  // One person's account trouble (her lockout) is nobody else's: another person's report joins an
  // identity incident only once it is a crowd's (the identity rules above take a person's own), or
  // when it speaks of that class of trouble at its place (a manager: "my traveler's account is disabled").
  const ownAccounts = new Set(token ? index.identityMarks(token).map((mark) => mark.signature) : []);
  const someoneElses = (entry: IndexEntry) => entry.origin === 'identity' && entry.onePerson && !ownAccounts.has(entry.signature) && !classMatch.has(entry.incidentId);
  const candidates = (onNamed.length > 0 ? onNamed : index.entries())
    .filter((entry) => !(rule.sameFacility && place && entry.scope !== null && entry.scope !== place) && !someoneElses(entry))
    .map((entry) => ({ entry, score: scoreReport(isUnreported(entry) ? () => false : classMatch.has(entry.incidentId) ? () => true : isAbout, namesNone, place, reportTokens, entry, systemRule(rules.lexicon, entry.system)?.scope === 'shared', followed.has(entry.signature)) }))
    // On a tie, the report's own incident (where its first copy went), then its own site's network
    // or power outage (what the ward feels first), then what people notice (an outage) before
    // upkeep nobody reports (a disk filling up).
    .sort((a, b) => b.score - a.score || Number(b.entry.signature === signature) - Number(a.entry.signature === signature) || Number(atOwnSite(b.entry)) - Number(atOwnSite(a.entry)) || Number(standsAlone(rules.lexicon, a.entry.signature)) - Number(standsAlone(rules.lexicon, b.entry.signature)) || byOpening(a.entry, b.entry));
  const best = candidates[0];
  if (!best || best.entry.signature === signature || best.score < rule.attachAt) {
    // Found nothing of its own: "nobody on our unit can sign in" while many people cannot is theirs.
    // Not a report of a class of its own (a phishing mail asking for a password is security's).
    const trouble = (!reportRule || reportRule.absorbs) && rule.signInPattern?.test(event.symptom) ? signInTroubleShared(rules, index, now) : undefined;
    if (trouble) return primary(trouble.signature, { attach: { ...ref(rule), score: 1 } });
  }
  if (!best || best.entry.signature === signature) return primary(signature);
  const score = Math.round(best.score * 1000) / 1000;
  if (best.score >= rule.attachAt) return primary(best.entry.signature, { attach: { ...ref(rule), score } });
  const own = primary(signature);
  return best.score >= rule.suggestAt ? { ...own, suggest: { target: best.entry, score, rule: ref(rule) } } : own;
}

/**
 * The sign-in trouble many people share, if any: a crowd's sign-in incident still failing (not
 * one person's; their failures say which provider is failing people now, and it is its outage's
 * child when that is known), else an identity provider's outage (an absorbing class that explains
 * sign-ins, on a system of class `identity`). The oldest first.
 */
function signInTroubleShared(rules: RuleSet, index: CorrelationIndex, now: Date): IndexEntry | undefined {
  const oldest = (entries: IndexEntry[]) => entries.sort(byOpening)[0];
  // Sign-in trouble is a class across systems (its signatures name none), or it is on its provider.
  const signIn = problemRule(rules.lexicon, SIGN_IN);
  const candidates = signIn?.acrossSystems ? index.activeOnAnySystem() : index.entries();
  // A crowd's incident stays open all day (sign-ins fail all day): only while people still fail.
  const crowd = oldest(candidates.filter((entry) => problemClassOfSignature(entry.signature) === SIGN_IN && entry.origin === 'identity' && !entry.onePerson && entry.account !== undefined && now.getTime() - Date.parse(entry.account.lastSeen) <= CROWD_FRESH_MS));
  if (crowd) return crowd;
  const outageClasses = new Set(rules.lexicon.problems.filter(({ rule }) => rule.absorbs && rule.alsoAbsorbs?.includes(SIGN_IN)).map(({ rule }) => rule.class));
  const providers = new Set([...rules.lexicon.systems.values()].filter((system) => system.class === 'identity').map((system) => system.system));
  return oldest([...providers].flatMap((system) => index.activeOn(system)).filter((entry) => outageClasses.has(problemClassOfSignature(entry.signature) ?? '') && entry.parentId === null));
}

/** The problem class of people's trouble signing in (08-problems.yaml). */
const SIGN_IN = 'sign-in';
/** How long after its newest event a crowd's sign-in trouble still takes reports that name nothing of their own. */
const CROWD_FRESH_MS = 30 * 60_000;

/**
 * What a vague report ("everything is down, is the system down?") may be about: its own site's
 * network or power outage when there is one (what every system there depends on; the wards feel
 * that before any central outage), else the shared systems' outages.
 */
function vagueCandidates(outages: IndexEntry[], atOwnSite: (entry: IndexEntry) => boolean, rules: RuleSet): IndexEntry[] {
  const site = outages.filter(atOwnSite);
  return site.length > 0 ? site : outages.filter((entry) => systemRule(rules.lexicon, entry.system)?.scope === 'shared');
}

/**
 * The facility a report that gave none came from, by its requester's e-mail domain: the one
 * facility of the active incidents that the domain names (`phleb.mortiz@riverbend.example` while
 * label printers fail at Lakeside and at Riverbend). None when it names none or several.
 */
function facilityOfDomain(domain: string | undefined, index: CorrelationIndex): string | undefined {
  if (!domain) return undefined;
  const parts = new Set(domain.split(/[.-]/));
  const named = new Set(index.entries().flatMap((entry) => entry.facilities.filter((facility) => parts.has(facility))));
  return named.size === 1 ? [...named][0] : undefined;
}

/**
 * Confidence that a report belongs to an incident: a system it is about is most of it (the
 * helpdesk filed it there, or its words name it), the same facility a little more, shared words
 * the rest. A report about no system is matched by its words alone.
 */
export function scoreReport(isAbout: (system: string) => boolean, namesNone: boolean, place: string | undefined, reportTokens: string[], entry: IndexEntry, shared = false, followUp = false): number {
  // A shared system's outage is everyone's: a report from any facility is as close as one from its first.
  const facility = shared || (place && entry.facilities.includes(place)) ? 0.1 : !place || entry.facilities.length === 0 ? 0.05 : 0;
  const words = overlap(reportTokens, [...entry.vocabulary, ...tokensOf(entry.system.replace(/[-_.]/g, ' '))]);
  // Where the same person's recent report went: enough, with most of its words, to attach.
  const followed = followUp ? FOLLOW_UP : 0;
  // A report that names no system has only its words: they weigh what the system would have.
  if (namesNone) return followed + facility + 0.9 * words;
  return (isAbout(entry.system) ? 0.5 : followed) + facility + 0.4 * words;
}

/** What a person's own recent report going to an incident adds to a report of theirs being about it. */
const FOLLOW_UP = 0.3;

/** The share of a report's words an `unreported` class's incident must hold for the report to be about it. */
const UNREPORTED_WORDS_SHARED = 0.25;

