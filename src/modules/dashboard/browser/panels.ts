// The headline tiles, the open-incidents chart and the outcomes: what leadership asks first, then
// whether corral is paying its way (calls absorbed, time to acknowledge and to resolve).

import { Chart, type Line, type TimeChart } from './charts.js';
import { $, el } from './dom.js';
import { clock, counted, day, duration, figure, plotted, withheld, type Count } from './format.js';
import type { DashboardFrame, OpenSeries, WeeklySeries } from './frame.js';
import { SORTS } from './facilities.js';
import { systemLabel } from './incidents.js';

type Frame = DashboardFrame<Count>;

/** Priority lines differ by dash and width as well as colour. */
const STYLE: Record<string, Pick<Line, 'dash' | 'width' | 'legend'>> = {
  P1: { width: 3, legend: 'solid' },
  P2: { dash: [12, 6], legend: 'dashed' },
  P3: { dash: [2, 5], legend: 'dotted' },
  P4: { dash: [12, 5, 2, 5], legend: 'double' },
};
const lineOf = (priority: string, values: Array<number | null>): Line => ({ label: priority, values, color: `--${priority.toLowerCase()}`, ...(STYLE[priority] ?? { dash: [2, 2], legend: 'dotted' }) });

/** Why a headline reads "withheld": it is a total, and one of the parts listed on this page is too small to show. */
const WITHHELD_NOTE = 'not shown while a small count listed below could be worked out from it';

function setTile(name: string, value: string, note: string, small = false): void {
  const tile = document.querySelector<HTMLElement>(`[data-tile="${name}"]`);
  if (!tile) return;
  const valueEl = tile.querySelector<HTMLElement>('.value');
  const noteEl = tile.querySelector<HTMLElement>('.tile-note');
  if (valueEl) {
    valueEl.textContent = value;
    valueEl.classList.toggle('words', small);
  }
  if (noteEl) noteEl.textContent = note;
}

export function renderTiles(frame: Frame): void {
  const t = frame.totals;
  setTile('p1', String(t.p1), `of ${counted(t.incidents, 'open incident', 'open incidents')}`);
  tileWithSites(frame);
  setTile('people', figure(t.peopleAffected), withheld(t.peopleAffected) ? `distinct people reporting: ${WITHHELD_NOTE}` : 'distinct people reporting, all open incidents', typeof t.peopleAffected !== 'number');
  setTile('patient', String(t.patientImpact), t.patientImpact === 1 ? 'open incident affects patient care' : 'open incidents affect patient care');
  const absorbedNote = `calls that did not become tickets since ${clock(frame.today.from)}`;
  setTile('absorbed', figure(frame.today.reportsAbsorbed), withheld(frame.today.reportsAbsorbed) ? `${absorbedNote}: ${WITHHELD_NOTE}` : absorbedNote, typeof frame.today.reportsAbsorbed !== 'number');
  const longest = t.longestOpen;
  setTile('longest', longest ? duration(longest.ageSeconds) : '–', longest ? `${longest.priority} ${systemLabel(longest.system, frame.incidents.find((i) => i.id === longest.id)?.systemName ?? null)}` : 'nothing open');
  document.querySelector('[data-tile="p1"]')?.classList.toggle('alarm', t.p1 > 0);
  document.querySelector('[data-tile="patient"]')?.classList.toggle('alarm', t.patientImpact > 0);
}

function tileWithSites(frame: Frame): void {
  // In the facility tiles' own order (worst priority, then most people).
  const names = [...frame.facilities].sort(SORTS.worst).filter((f) => f.code !== '(unknown)').map((f) => f.name ?? f.code);
  const shown = names.slice(0, 3).join(', ');
  setTile('facilities', String(frame.totals.facilitiesAffected), names.length > 3 ? `${shown} and ${names.length - 3} more` : shown || 'none');
}

const charts = new Map<string, Chart>();

function show(id: string, spec: ConstructorParameters<typeof Chart>[1]): void {
  const chart = charts.get(id);
  if (chart) chart.update(spec);
  else charts.set(id, new Chart($(id), spec));
}

const RANGE_WORDS: Record<string, string> = { day: 'the last 24 hours', week: 'the last 7 days', month: 'the last 30 days' };

export function renderOpenOverTime(frame: Frame, range: string): void {
  const series: OpenSeries = frame.openOverTime[range as keyof Frame['openOverTime']] ?? frame.openOverTime.day;
  const now = series.byPriority.map((p) => `${p.active.at(-1) ?? 0} ${p.priority}`).join(', ');
  const peak = Math.max(0, ...series.byPriority[0]?.active.map((_, i) => series.byPriority.reduce((sum, p) => sum + (p.active[i] ?? 0), 0)) ?? [0]);
  const spec: TimeChart = {
    kind: 'time',
    axis: series,
    lines: series.byPriority.map((p) => lineOf(p.priority, p.active)),
    unit: 'open incidents',
    summary: `Open incidents by priority over ${RANGE_WORDS[range] ?? range}, one point per ${duration(series.bucketSeconds)}. Latest: ${now}. Most open at once: ${peak}.`,
    height: 12,
  };
  show('open-chart', spec);
  $('open-chart-caption').textContent = `Open incidents by priority, ${RANGE_WORDS[range] ?? range} (each point: open at any time in its ${duration(series.bucketSeconds)})`;
}

/** Minutes, or hours when the slowest is over three hours: the axis says which. */
function unitFor(weekly: WeeklySeries, key: 'ackMedianSeconds' | 'resolveMedianSeconds'): { unit: string; per: number } {
  const max = Math.max(0, ...weekly.byPriority.flatMap((p) => p[key].filter((v): v is number => v !== null)));
  return max > 3 * 3600 ? { unit: 'hours (median)', per: 3600 } : { unit: 'minutes (median)', per: 60 };
}

function weeklyChart(weekly: WeeklySeries, key: 'ackMedianSeconds' | 'resolveMedianSeconds', what: string): TimeChart {
  const { unit, per } = unitFor(weekly, key);
  const latest = weekly.byPriority
    .map((p) => ({ priority: p.priority, value: p[key].at(-1) ?? null }))
    .filter((p) => p.value !== null)
    .map((p) => `${p.priority} ${duration(p.value)}`);
  return {
    kind: 'time',
    axis: weekly,
    lines: weekly.byPriority.map((p) => lineOf(p.priority, p[key].map((v) => (v === null ? null : Math.round((v / per) * 10) / 10)))),
    unit,
    tickEachPoint: true,
    summary: `Median time to ${what} per week, by priority, for ${weekly.byPriority[0]?.incidents.length ?? 0} weeks from ${day(weekly.from)}. This week: ${latest.join(', ') || 'none yet'}.`,
    height: 11,
  };
}

export function renderOutcomes(frame: Frame): void {
  const absorbed = frame.today.byIncident;
  show('absorbed-chart', {
    kind: 'bars',
    labels: absorbed.map((a) => `${a.priority} ${systemLabel(a.system, a.systemName)}${typeof a.reportsAbsorbed === 'number' ? '' : ' (<5)'}`),
    values: absorbed.map((a) => plotted(a.reportsAbsorbed)),
    color: '--children',
    unit: 'calls absorbed',
    summary: absorbed.length
      ? `Calls that did not become tickets since ${clock(frame.today.from)}, per incident: ${absorbed.map((a) => `${systemLabel(a.system, a.systemName)} (${a.priority}) ${counted(a.reportsAbsorbed, 'call', 'calls')}`).join('; ')}.`
      : `No calls absorbed since ${clock(frame.today.from)}.`,
    height: 11,
  });
  $('absorbed-empty').hidden = absorbed.length > 0;
  // The same figures as words: read on paper and by screen readers, small ones as "fewer than 5".
  $('absorbed-list').replaceChildren(
    ...absorbed.map((a) => el('li', {}, el('span', { class: `prio ${a.priority}` }, a.priority), ` ${systemLabel(a.system, a.systemName)}: ${counted(a.reportsAbsorbed, 'call', 'calls')}`)),
  );
  show('ack-chart', weeklyChart(frame.weekly, 'ackMedianSeconds', 'acknowledge'));
  show('resolve-chart', weeklyChart(frame.weekly, 'resolveMedianSeconds', 'resolve'));
  renderWeek(frame);
}

function renderWeek(frame: Frame): void {
  const w = frame.week;
  const share = w.automaticShare === null ? '–' : `${Math.round(w.automaticShare * 100)}%`;
  const kpis = el(
    'dl',
    { class: 'kpis' },
    ...[
      ['Incidents opened', String(w.incidents)],
      ['Opened by monitoring', share],
      ['Duplicate calls absorbed', figure(w.reportsAbsorbed)],
      ['Alerts and calls folded', figure(w.eventsAbsorbed)],
      ['Reroutes', String(w.reroutes)],
    ].map(([k, v]) => el('div', {}, el('dt', {}, k ?? ''), el('dd', {}, v ?? ''))),
  );
  const table = el(
    'table',
    {},
    el('caption', {}, `Last 7 days (${day(w.from)} – ${day(w.to)}): median and 90th percentile time to acknowledge and to resolve, by priority and queue`),
    el('thead', {}, el('tr', {}, ...['Priority', 'Queue', 'Incidents', 'To acknowledge', '90%', 'To resolve', '90%'].map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      ...(w.responseTimes.length
        ? w.responseTimes.map((r) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row', class: `prio ${r.priority}` }, r.priority),
              el('td', {}, r.queue),
              el('td', {}, String(r.incidents)),
              el('td', {}, duration(r.ackMedianSeconds)),
              el('td', {}, duration(r.ackP90Seconds)),
              el('td', {}, duration(r.resolveMedianSeconds)),
              el('td', {}, duration(r.resolveP90Seconds)),
            ),
          )
        : [el('tr', {}, el('td', { colspan: '7' }, 'No incidents opened in the last 7 days.'))]),
    ),
  );
  $('week').replaceChildren(kpis, table);
}
