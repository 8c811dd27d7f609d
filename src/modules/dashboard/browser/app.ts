// The dashboard's only script: it listens to /dashboard/stream and redraws. Plain DOM, textContent
// only (a system or facility name is never parsed as HTML), no library, nothing from the internet.

type Count = number | string; // "<5" for leadership when a people count is small

interface Frame {
  at: string;
  totals: { incidents: number; facilitiesAffected: number; peopleAffected: Count; p1: number; patientImpact: number; longestOpen: { system: string; priority: string; ageSeconds: number } | null };
  incidents: Array<{
    id: string;
    priority: string;
    status: string;
    system: string;
    dependsOn: string[];
    queue: string | null;
    facilities: Array<{ facility: string; name: string | null; departments: string[]; requesters: Count }>;
    childCount: Count;
    distinctRequesters: Count;
    patientImpact: boolean;
    ageSeconds: number;
  }>;
  moreIncidents: number;
  grid: { facilities: Array<{ code: string; name: string | null }>; systems: string[]; cells: Array<{ facility: string; system: string; incidents: number; requesters: Count; worstPriority: string }>; moreFacilities: number; moreSystems: number };
  timeline: { bucketSeconds: number; buckets: Array<{ start: string; active: number; p1Active: number; opened: number; resolved: number; requesters: Count }> };
  outcomes: {
    incidents: number;
    automatic: number;
    manual: number;
    automaticShare: number | null;
    reportsAbsorbed: Count;
    eventsAbsorbed: Count;
    reroutes: number;
    responseTimes: Array<{ queue: string; priority: string; incidents: number; ackMedianSeconds: number | null; resolveMedianSeconds: number | null }>;
  };
  asOf?: AsOf;
}

/** How fresh the figures are (the server's inbox freshness): absent when corral runs as a cluster. */
interface AsOf {
  position: number;
  at: string;
  pending: number;
}

const $ = (id: string): HTMLElement => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing from the page`);
  return el;
};

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h} h ${m % 60} min` : `${Math.floor(h / 24)} d ${h % 24} h`;
}

let last: Frame | undefined;
/** The newest `freshness` event: what waits now, which may be more recent than the frame shown. */
let waiting: AsOf | undefined;
let receivedAt = 0;
let known = new Set<string>();

function render(frame: Frame): void {
  const t = frame.totals;
  const totals: Record<string, string> = {
    incidents: String(t.incidents),
    p1: String(t.p1),
    facilitiesAffected: String(t.facilitiesAffected),
    peopleAffected: String(t.peopleAffected),
    patientImpact: String(t.patientImpact),
    longestOpen: t.longestOpen ? `${duration(t.longestOpen.ageSeconds)} (${t.longestOpen.priority} ${t.longestOpen.system})` : '–',
  };
  for (const dd of document.querySelectorAll<HTMLElement>('[data-total]')) dd.textContent = totals[dd.dataset.total ?? ''] ?? '–';

  // Incidents: <details> gives keyboard users the spread without any script of ours.
  const open = new Set([...document.querySelectorAll<HTMLDetailsElement>('.incident details[open]')].map((d) => d.dataset.id));
  $('incidents').replaceChildren(
    ...frame.incidents.map((i) => {
      const where = i.facilities.map((f) => f.name ?? f.facility).join(', ') || 'facility unknown';
      const summary = el(
        'summary',
        {},
        el('span', { class: `prio ${i.priority}` }, i.priority),
        el('span', { class: 'sys' }, i.system),
        el('span', {}, where),
        el('span', { class: 'meta' }, `${String(i.distinctRequesters)} people · ${String(i.childCount)} reports/alerts · ${i.queue ?? 'unrouted'} · open ${duration(i.ageSeconds)} · ${i.status}`),
        ...(i.patientImpact ? [el('span', { class: 'badge' }, 'patient care')] : []),
        ...(i.dependsOn.length ? [el('span', { class: 'meta' }, `caused by ${i.dependsOn.join(', ')}`)] : []),
      );
      const spread = el(
        'ul',
        { class: 'spread' },
        ...i.facilities.map((f) => el('li', {}, `${f.name ?? f.facility}: ${f.departments.join(', ') || 'no department known'} — ${String(f.requesters)} people`)),
      );
      const details = el('details', { 'data-id': i.id }, summary, spread);
      if (open.has(i.id)) details.open = true;
      return el('li', { class: 'incident', 'data-priority': i.priority, 'data-incident': i.id }, details);
    }),
  );
  $('more-incidents').textContent = frame.moreIncidents ? `and ${frame.moreIncidents} more (lower priority)` : frame.incidents.length ? '' : 'No open incidents.';

  renderGrid(frame);
  renderTimeline(frame);
  renderOutcomes(frame);

  const fresh = frame.incidents.filter((i) => !known.has(i.id));
  if (last && fresh.length) $('announce').textContent = fresh.map((i) => `New ${i.priority} incident: ${i.system}`).join('. ');
  known = new Set(frame.incidents.map((i) => i.id));
  last = frame;
  renderFreshness();
  receivedAt = Date.now();
  setStatus(`Live · updated ${new Date(frame.at).toLocaleTimeString()}`, false);
}

function renderGrid(frame: Frame): void {
  const cells = new Map(frame.grid.cells.map((c) => [`${c.facility}\u0000${c.system}`, c]));
  const head = el('tr', {}, el('th', { scope: 'col' }, 'Facility'), ...frame.grid.systems.map((s) => el('th', { scope: 'col' }, s)));
  const rows = frame.grid.facilities.map((f) =>
    el(
      'tr',
      {},
      el('th', { scope: 'row' }, f.name ?? f.code),
      ...frame.grid.systems.map((s) => {
        const c = cells.get(`${f.code}\u0000${s}`);
        return c ? el('td', { class: c.worstPriority }, `${c.worstPriority} · ${String(c.requesters)}`) : el('td', {}, '');
      }),
    ),
  );
  const caption = $('grid').querySelector('caption');
  $('grid').replaceChildren(...(caption ? [caption] : []), el('thead', {}, head), el('tbody', {}, ...rows));
  const more = [frame.grid.moreFacilities ? `${frame.grid.moreFacilities} more facilities` : '', frame.grid.moreSystems ? `${frame.grid.moreSystems} more systems` : ''].filter(Boolean);
  $('more-grid').textContent = frame.grid.facilities.length ? `Cell: worst priority · people affected.${more.length ? ` Not shown: ${more.join(', ')}.` : ''}` : 'Nothing affected.';
}

function renderTimeline(frame: Frame): void {
  const buckets = frame.timeline.buckets;
  const peak = Math.max(1, ...buckets.map((b) => b.active));
  const bars = el(
    'div',
    { class: 'bars', role: 'img', 'aria-label': `Open incidents per hour over the last 24 hours; peak ${peak}` },
    ...buckets.map((b) => {
      const bar = el('div', { class: 'b', title: `${new Date(b.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}: ${b.active} open, ${b.p1Active} P1, ${b.opened} opened` });
      bar.style.height = `${(b.active / peak) * 100}%`;
      const p1 = el('div', { class: 'p1' });
      p1.style.height = b.active ? `${(b.p1Active / b.active) * 100}%` : '0';
      bar.append(p1);
      return bar;
    }),
  );
  const first = buckets[0];
  const axis = el('div', { class: 'axis', 'aria-hidden': 'true' }, el('span', {}, first ? new Date(first.start).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : ''), el('span', {}, 'now'));
  const opened = buckets.reduce((n, b) => n + b.opened, 0);
  const resolved = buckets.reduce((n, b) => n + b.resolved, 0);
  $('timeline').replaceChildren(bars, axis, el('p', { class: 'note' }, `Bars: incidents open each hour (red: P1). ${opened} opened, ${resolved} resolved in 24 h.`));
}

function renderOutcomes(frame: Frame): void {
  const o = frame.outcomes;
  const share = o.automaticShare === null ? '–' : `${Math.round(o.automaticShare * 100)}%`;
  const kpis = el(
    'dl',
    { class: 'kpis' },
    ...[
      ['Incidents opened', String(o.incidents)],
      ['Opened by monitoring', share],
      ['Duplicate calls absorbed', String(o.reportsAbsorbed)],
      ['Alerts and calls folded', String(o.eventsAbsorbed)],
      ['Reroutes', String(o.reroutes)],
    ].map(([k, v]) => el('div', {}, el('dt', {}, k ?? ''), el('dd', {}, v ?? ''))),
  );
  const table = el(
    'table',
    {},
    el('caption', { class: 'visually-hidden' }, 'Median time to acknowledge and to resolve by priority and queue'),
    el('thead', {}, el('tr', {}, ...['Priority', 'Queue', 'Incidents', 'To acknowledge', 'To resolve'].map((h) => el('th', { scope: 'col' }, h)))),
    el(
      'tbody',
      {},
      ...o.responseTimes.map((r) =>
        el('tr', {}, el('td', { class: r.priority }, r.priority), el('td', {}, r.queue), el('td', {}, String(r.incidents)), el('td', {}, duration(r.ackMedianSeconds)), el('td', {}, duration(r.resolveMedianSeconds))),
      ),
    ),
  );
  $('outcomes').replaceChildren(kpis, table);
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

// Ages tick on between frames, from the server's own ages plus the time since the frame arrived.
setInterval(() => {
  if (!last) return;
  const elapsed = Math.floor((Date.now() - receivedAt) / 1000);
  if (elapsed > 75) setStatus('No update for over a minute: reconnecting…', true);
}, 5000);

const source = new EventSource('/dashboard/stream');
source.addEventListener('frame', (event) => render(JSON.parse((event as MessageEvent<string>).data) as Frame));
source.addEventListener('freshness', (event) => {
  waiting = (JSON.parse((event as MessageEvent<string>).data) as { asOf: AsOf }).asOf;
  renderFreshness();
});
source.addEventListener('error', () => {
  // EventSource retries by itself; CLOSED means the server refused (session ended or revoked key).
  if (source.readyState === EventSource.CLOSED) setStatus('Signed out or session ended: reload the page to sign in.', true);
  else setStatus('Connection lost: reconnecting…', true);
});
