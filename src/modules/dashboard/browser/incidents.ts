// Open incidents, worst first: each with what it is made of, where, a growth sparkline, and an
// expander (a real button, aria-expanded) that shows its spread and its growth on axes.

import { Chart, type Line, type Sparkline, type TimeChart } from './charts.js';
import { el, reconcile } from './dom.js';
import { aboutPeople, clock, counted, duration, figure, kindsNoun, madeOf, plotted, shapeOf, type Count } from './format.js';
import type { FrameIncident } from './frame.js';

type Incident = FrameIncident<Count>;

interface Item {
  li: HTMLLIElement;
  head: HTMLButtonElement;
  meta: HTMLParagraphElement;
  spark: Chart;
  sparkNote: HTMLSpanElement;
  detail: HTMLDivElement;
  growth: Chart | undefined;
}

const items = new Map<string, Item>();
/** The incidents of the frame shown, by id: what an expander opened between frames draws. */
const current = new Map<string, Incident>();

export const systemLabel = (code: string, name: string | null): string => name ?? code;
export const placesOf = (i: Incident): string => i.facilities.map((f) => f.name ?? f.facility).join(', ') || 'facility not given';

/** The growth lines, as charted: a suppressed point is left out, not drawn; leadership's frame has no people line. */
function growthLines(i: Incident): Line[] {
  const lines: Line[] = [{ label: kindsNoun(i.kinds).many, values: i.growth.events.map(plotted), color: '--children', width: 2 }];
  if (aboutPeople(i.kinds) && i.growth.people.length > 0) lines.push({ label: 'people', values: i.growth.people.map(plotted), color: '--people', dash: [6, 4], legend: 'dashed', width: 2 });
  return lines;
}

/** In words, where it stands now: the incident's own counts (the curve is read less often and may trail them). */
function sparkSummary(i: Incident): string {
  const noun = kindsNoun(i.kinds);
  const people = aboutPeople(i.kinds) ? ` and ${counted(i.distinctRequesters, 'person', 'people')}` : '';
  return `Growth since ${clock(i.growth.from)}: now ${counted(i.childCount, noun.one, noun.many)}${people}`;
}

function sparkOf(i: Incident): Sparkline {
  return { kind: 'spark', axis: i.growth, lines: growthLines(i), summary: sparkSummary(i), height: 2.4 };
}

function growthChartOf(i: Incident): TimeChart {
  return { kind: 'time', axis: i.growth, lines: growthLines(i), unit: 'count (cumulative)', summary: sparkSummary(i), height: 9 };
}

function headOf(i: Incident): Node[] {
  return [
    el('span', { class: 'chev', 'aria-hidden': 'true' }),
    el('span', { class: `prio ${i.priority}` }, el('span', { 'aria-hidden': 'true' }, `${shapeOf(i.priority)} `), i.priority),
    el('span', { class: 'sys' }, systemLabel(i.system, i.systemName)),
    el('span', { class: 'where' }, placesOf(i)),
    ...(i.patientImpact ? [el('span', { class: 'badge' }, 'patient care')] : []),
  ];
}

function metaOf(i: Incident): string {
  const parts = [madeOf(i.kinds, i.childCount, i.distinctRequesters), i.queue ?? 'not routed yet', `open ${duration(i.ageSeconds)}`, i.status];
  if (i.dependsOn.length) parts.push(`caused by ${i.dependsOn.map((d) => systemLabel(d.system, d.name)).join(', ')}`);
  return parts.join(' · ');
}

function detailOf(i: Incident): Node[] {
  const spread = el(
    'ul',
    { class: 'spread' },
    ...i.facilities.map((f) =>
      el('li', {}, el('strong', {}, f.name ?? f.facility), `: ${f.departments.join(', ') || 'no department given'}${aboutPeople(i.kinds) ? ` — ${counted(f.requesters, 'person', 'people')}` : ''}`),
    ),
  );
  const people = aboutPeople(i.kinds) ? ` · people affected: ${figure(i.distinctRequesters)}` : '';
  const opened = el('p', { class: 'note' }, `Opened ${clock(i.openedAt)}${i.queue ? ` · ticket queue ${i.queue}` : ''}${people}`);
  return [spread, opened, el('div', { class: 'growth-chart' })];
}

function build(i: Incident): Item {
  const head = el('button', { type: 'button', class: 'expander', 'aria-expanded': 'false', 'aria-controls': `detail-${i.id}` });
  const meta = el('p', { class: 'meta' });
  const sparkHost = el('div', { class: 'spark-host' });
  const sparkNote = el('span', { class: 'spark-note', 'aria-hidden': 'true' });
  const detail = el('div', { class: 'detail', id: `detail-${i.id}`, hidden: '' });
  const li = el('li', { class: 'incident', 'data-incident': i.id }, head, meta, el('div', { class: 'spark' }, sparkHost, sparkNote), detail);
  const item: Item = { li, head, meta, spark: new Chart(sparkHost, sparkOf(i)), sparkNote, detail, growth: undefined };
  head.addEventListener('click', () => {
    const open = head.getAttribute('aria-expanded') !== 'true';
    head.setAttribute('aria-expanded', String(open));
    detail.hidden = !open;
    li.classList.toggle('open', open);
    const shown = current.get(i.id);
    if (open && shown) showGrowth(item, shown);
  });
  return item;
}

/** The growth on axes is drawn once its panel is open (forty hidden charts would cost for nothing). */
function showGrowth(item: Item, i: Incident): void {
  const host = item.detail.querySelector<HTMLElement>('.growth-chart');
  if (!host) return;
  if (item.growth) item.growth.update(growthChartOf(i));
  else item.growth = new Chart(host, growthChartOf(i));
}

export function renderIncidents(list: HTMLElement, incidents: Incident[]): void {
  current.clear();
  for (const i of incidents) current.set(i.id, i);
  for (const [id, item] of items) {
    if (current.has(id)) continue;
    item.spark.destroy();
    item.growth?.destroy();
    items.delete(id);
  }
  const nodes = incidents.map((i) => {
    const item = items.get(i.id) ?? build(i);
    items.set(i.id, item);
    item.li.dataset.priority = i.priority;
    item.head.replaceChildren(...headOf(i));
    item.meta.textContent = metaOf(i);
    item.spark.update(sparkOf(i));
    item.sparkNote.textContent = `since ${clock(i.growth.from)}`;
    const chart = item.detail.querySelector('.growth-chart');
    item.detail.replaceChildren(...detailOf(i).map((node) => (node instanceof HTMLElement && node.classList.contains('growth-chart') && chart ? chart : node)));
    if (!item.detail.hidden) showGrowth(item, i);
    return item.li;
  });
  reconcile(list, nodes);
}
