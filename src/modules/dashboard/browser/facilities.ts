// The sites affected, as tiles: worst priority first by default, sortable by name, people or
// incidents; readable names where the rules (or the EHR's directory) give one.

import { el } from './dom.js';
import { counted, shapeOf, sortValue, withheld, type Count } from './format.js';
import type { FrameFacility } from './frame.js';
import { systemLabel } from './incidents.js';

type Facility = FrameFacility<Count>;

const rank = (priority: string) => Number(/^P(\d)$/.exec(priority)?.[1] ?? 9);
const nameOf = (f: Facility) => f.name ?? (f.code === '(unknown)' ? 'Facility not given' : f.code);
const collate = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true }).compare;

type Order = (a: Facility, b: Facility) => number;

export const SORTS: { worst: Order } & Record<string, Order> = {
  worst: (a, b) => rank(a.worstPriority) - rank(b.worstPriority) || sortValue(b.requesters) - sortValue(a.requesters) || b.incidents - a.incidents || collate(nameOf(a), nameOf(b)),
  name: (a, b) => collate(nameOf(a), nameOf(b)),
  people: (a, b) => sortValue(b.requesters) - sortValue(a.requesters) || rank(a.worstPriority) - rank(b.worstPriority) || collate(nameOf(a), nameOf(b)),
  incidents: (a, b) => b.incidents - a.incidents || rank(a.worstPriority) - rank(b.worstPriority) || collate(nameOf(a), nameOf(b)),
};

/** "9 people reporting", "fewer than 5 people reporting", "no one has called". */
function reporting(requesters: Count): string {
  if (requesters === 0) return 'no one has called';
  return withheld(requesters) ? 'people reporting (number withheld)' : `${counted(requesters, 'person', 'people')} reporting`;
}

function tileOf(f: Facility): HTMLLIElement {
  const title = el('h3', { class: 'site-name' }, nameOf(f));
  if (f.name) title.title = f.code;
  const systems = el(
    'ul',
    { class: 'site-systems' },
    ...f.systems.map((s) => el('li', {}, el('span', { class: `prio ${s.worstPriority}` }, el('span', { 'aria-hidden': 'true' }, `${shapeOf(s.worstPriority)} `), s.worstPriority), ` ${systemLabel(s.system, s.name)}`)),
    ...(f.moreSystems ? [el('li', { class: 'note' }, `and ${f.moreSystems} more`)] : []),
  );
  return el(
    'li',
    { class: 'site', 'data-priority': f.worstPriority, 'data-facility': f.code },
    el('div', { class: 'site-head' }, title, el('span', { class: `prio worst ${f.worstPriority}` }, el('span', { 'aria-hidden': 'true' }, `${shapeOf(f.worstPriority)} `), f.worstPriority)),
    el('p', { class: 'site-counts' }, `${counted(f.incidents, 'incident', 'incidents')} · ${reporting(f.requesters)}`),
    systems,
  );
}

export function renderFacilities(list: HTMLElement, facilities: Facility[], sort: string): void {
  const order = SORTS[sort] ?? SORTS.worst;
  list.replaceChildren(...[...facilities].sort(order).map(tileOf));
}
