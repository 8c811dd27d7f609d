// Wording: what a number means in words, honest about small counts ("fewer than 5") and about
// incidents that machines opened (alerts, not "0 people").

/**
 * A people count as it arrives: a number, or for leadership "<5" (small) or "suppressed" (withheld:
 * a small count could be worked out from it, such as a total beside a part that reads "<5").
 */
export type Count = number | string;

/** The threshold of a small count ("<5" → 5), or undefined for a number or a withheld count. */
function below(count: Count): string | undefined {
  return typeof count === 'number' ? undefined : /^<(\d+)$/.exec(count)?.[1];
}

/** Withheld from leadership: neither a number nor "<5". */
export const withheld = (count: Count): boolean => typeof count === 'string' && below(count) === undefined;

/** "1 person", "20 people", "fewer than 5 people", "people (number withheld)". */
export function counted(count: Count, one: string, many: string): string {
  if (withheld(count)) return `${many} (number withheld)`;
  const threshold = below(count);
  if (threshold !== undefined) return `fewer than ${threshold} ${many}`;
  return `${count} ${count === 1 ? one : many}`;
}

/** A headline figure: the number, "fewer than 5", or "withheld". */
export function figure(count: Count): string {
  if (withheld(count)) return 'withheld';
  const threshold = below(count);
  return threshold === undefined ? String(count) : `fewer than ${threshold}`;
}

/** A value to plot: a suppressed count is not drawn at all (a point would give it away). */
export function plotted(count: Count | null): number | null {
  return typeof count === 'number' ? count : null;
}

/**
 * For sorting: every small count sorts alike, just under the threshold; every withheld one alike,
 * first (most often the sum of several incidents). Never by the hidden value: an order between
 * shown numbers would bound it.
 */
export function sortValue(count: Count): number {
  if (typeof count === 'number') return count;
  const threshold = below(count);
  return threshold === undefined ? Number.MAX_SAFE_INTEGER : Number(threshold) - 0.5;
}

const MACHINE = new Set(['alert', 'interface']);

/** The noun for what an incident holds: "alerts", "reports and alerts", "account events". */
export function kindsNoun(kinds: string[]): { one: string; many: string } {
  const nouns: string[] = [];
  if (kinds.includes('report')) nouns.push('reports');
  if (kinds.some((k) => MACHINE.has(k))) nouns.push('alerts');
  if (kinds.includes('identity')) nouns.push('account events');
  if (kinds.some((k) => !MACHINE.has(k) && k !== 'report' && k !== 'identity')) nouns.push('other events');
  const only = nouns.length === 1 ? nouns[0] : undefined;
  if (only) return { one: only.replace(/s$/, ''), many: only };
  if (nouns.length === 0) return { one: 'event', many: 'events' };
  return { one: 'event', many: `${nouns.slice(0, -1).join(', ')} and ${nouns.at(-1) ?? ''}` };
}

/** Whether its children are about people (reports, account events), so that a count of people means something. */
export const aboutPeople = (kinds: string[]): boolean => kinds.includes('report') || kinds.includes('identity');

/**
 * "20 alerts", "20 people · 21 reports and alerts", "fewer than 5 people · 6 account events": what
 * an incident is made of, in the words of what it holds; a machine's incident counts no people.
 */
export function madeOf(kinds: string[], children: Count, people: Count): string {
  if (kinds.length === 0) return 'nothing received yet';
  const noun = kindsNoun(kinds);
  const what = counted(children, noun.one, noun.many);
  return aboutPeople(kinds) ? `${counted(people, 'person', 'people')} · ${what}` : what;
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

export const clock = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
export const dayAndTime = (iso: string): string => new Date(iso).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
export const day = (iso: string | Date): string => new Date(iso).toLocaleDateString([], { day: 'numeric', month: 'short' });

/** A shape per priority, so that colour is never the only signal (with the word itself). */
export const SHAPE: Record<string, string> = { P1: '◆', P2: '▲', P3: '●', P4: '○' };
export const shapeOf = (priority: string): string => SHAPE[priority] ?? '■';
