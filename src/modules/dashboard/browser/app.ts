// The dashboard's entry script: it listens to /dashboard/stream and redraws. Plain DOM, textContent
// only (a system or facility name is never parsed as HTML); charts by uPlot, served by corral
// itself; nothing from the internet.

import { redrawAll } from './charts.js';
import { $, pressed, toggleGroup } from './dom.js';
import { renderFacilities } from './facilities.js';
import { dayAndTime, type Count } from './format.js';
import type { AsOf, DashboardFrame, FreshnessFrame } from './frame.js';
import { renderIncidents, systemLabel } from './incidents.js';
import { renderOpenOverTime, renderOutcomes, renderTiles } from './panels.js';

type Frame = DashboardFrame<Count>;

let last: Frame | undefined;
/** The newest `freshness` event: what waits now, which may be more recent than the frame shown. */
let waiting: AsOf | undefined;
let receivedAt = 0;
let known = new Set<string>();

const sortGroup = $('facility-sort');
const rangeGroup = $('open-range');

function render(frame: Frame): void {
  renderTiles(frame);
  renderIncidents($('incidents'), frame.incidents);
  $('more-incidents').textContent = frame.moreIncidents ? `and ${frame.moreIncidents} more (lower priority)` : frame.incidents.length ? '' : 'No open incidents.';
  renderFacilities($('facilities'), frame.facilities, pressed(sortGroup));
  $('more-facilities').textContent = frame.moreFacilities ? `and ${frame.moreFacilities} more facilities` : frame.facilities.length ? '' : 'No facility affected.';
  renderOpenOverTime(frame, pressed(rangeGroup));
  renderOutcomes(frame);
  $('print-title').textContent = `Morning huddle · blast radius at ${dayAndTime(frame.at)} · outcomes of the last 7 days`;

  const fresh = frame.incidents.filter((i) => !known.has(i.id));
  if (last && fresh.length) $('announce').textContent = fresh.map((i) => `New ${i.priority} incident: ${systemLabel(i.system, i.systemName)}`).join('. ');
  known = new Set(frame.incidents.map((i) => i.id));
  last = frame;
  renderFreshness();
  receivedAt = Date.now();
  setStatus(`Live · updated ${new Date(frame.at).toLocaleTimeString([], { hourCycle: 'h23' })}`, false);
}

/**
 * "data as of 07:02:13 · 0 events waiting": the time is the shown frame's (its figures include
 * everything correlated by then); the count is the newest known, from a `freshness` event (sent
 * within a second of any change) or from the frame when that is newer.
 */
function renderFreshness(): void {
  const line = $('freshness');
  const shown = last?.asOf;
  if (!shown) {
    line.hidden = true;
    return;
  }
  const now = waiting && waiting.position >= shown.position ? waiting : shown;
  const time = new Date(shown.at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
  line.textContent = `data as of ${time} · ${now.pending === 0 ? '0 events waiting' : `${now.pending} event${now.pending === 1 ? '' : 's'} waiting to be correlated`}`;
  line.classList.toggle('behind', now.pending > 0);
  line.hidden = false;
}

function setStatus(text: string, stale: boolean): void {
  const status = $('status');
  status.textContent = text;
  status.classList.toggle('stale', stale);
}

toggleGroup(sortGroup, (sort) => {
  if (last) renderFacilities($('facilities'), last.facilities, sort);
});
toggleGroup(rangeGroup, (range) => {
  if (last) renderOpenOverTime(last, range);
});
$('print').addEventListener('click', () => window.print());
// Printed (or saved as PDF) on white: the charts are redrawn in the print palette, and back after.
matchMedia('print').addEventListener('change', redrawAll);
window.addEventListener('afterprint', redrawAll);

// Ages tick on between frames, from the server's own ages plus the time since the frame arrived.
setInterval(() => {
  if (!last) return;
  const elapsed = Math.floor((Date.now() - receivedAt) / 1000);
  if (elapsed > 75) setStatus('No update for over a minute: reconnecting…', true);
}, 5000);

const source = new EventSource('/dashboard/stream');
source.addEventListener('frame', (event) => render(JSON.parse((event as MessageEvent<string>).data) as Frame));
source.addEventListener('freshness', (event) => {
  waiting = (JSON.parse((event as MessageEvent<string>).data) as FreshnessFrame).asOf;
  renderFreshness();
});
source.addEventListener('error', () => {
  // EventSource retries by itself; CLOSED means the server refused (session ended or revoked key).
  if (source.readyState === EventSource.CLOSED) setStatus('Signed out or session ended: reload the page to sign in.', true);
  else setStatus('Connection lost: reconnecting…', true);
});
