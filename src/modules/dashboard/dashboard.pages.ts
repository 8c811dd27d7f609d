/**
 * The dashboard's HTML: a static shell (no data in it — the script fills it from the live stream)
 * and the sign-in page answered with 401 to a browser that has no session yet. No inline script:
 * helmet's Content-Security-Policy allows scripts from this origin only. The stylesheet is public
 * (dashboard.assets.ts), so the sign-in page is styled too.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const head = (title: string, extra = '') => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>${escape(title)}</title>
<link rel="icon" href="data:,">
${extra}<link rel="stylesheet" href="/dashboard/assets/app.css">
</head>`;

const tile = (name: string, label: string) =>
  `<li class="tile" data-tile="${name}"><span class="tile-label">${label}</span><span class="value">–</span><span class="tile-note"></span></li>`;

const toggles = (id: string, label: string, options: Array<[value: string, text: string]>) =>
  `<div class="toggles" id="${id}" role="group" aria-label="${label}">${options
    .map(([value, text], i) => `<button type="button" data-value="${value}" aria-pressed="${i === 0}">${text}</button>`)
    .join('')}</div>`;

const chart = (id: string, caption: string, captionId = `${id}-caption`) =>
  `<figure class="chart"><figcaption id="${captionId}">${caption}</figcaption><div id="${id}" class="chart-host"></div></figure>`;

export function dashboardPage(): string {
  return `${head('corral — blast radius', '<link rel="stylesheet" href="/dashboard/assets/uPlot.min.css">\n')}
<body>
<a class="skip" href="#incidents-h">Skip to open incidents</a>
<header class="bar">
  <div class="brand"><h1>Blast radius</h1><p class="print-only" id="print-title"></p></div>
  <div class="live">
    <p id="status" class="status" role="status">Connecting…</p>
    <p id="freshness" class="status freshness" hidden></p>
  </div>
  <div class="actions">
    <button type="button" id="print" class="ghost">Print huddle sheet</button>
    <form method="post" action="/dashboard/sign-out" class="sign-out"><button type="submit" class="ghost">Sign out</button></form>
  </div>
</header>
<main>
  <section aria-labelledby="headline-h" class="headline">
    <h2 id="headline-h" class="visually-hidden">Headline</h2>
    <ul class="tiles">
      ${tile('p1', 'Open P1 incidents')}
      ${tile('facilities', 'Facilities affected')}
      ${tile('people', 'People affected')}
      ${tile('patient', 'Patient care affected')}
      ${tile('absorbed', 'Duplicate calls absorbed today')}
      ${tile('longest', 'Longest open')}
    </ul>
  </section>
  <section aria-labelledby="incidents-h" class="incidents">
    <h2 id="incidents-h" tabindex="-1">Open incidents, worst first</h2>
    <ol id="incidents" class="incident-list"></ol>
    <p id="more-incidents" class="note"></p>
  </section>
  <section aria-labelledby="sites-h" class="sites">
    <div class="section-head"><h2 id="sites-h">Facilities affected</h2>
    ${toggles('facility-sort', 'Sort facilities by', [['worst', 'Worst priority'], ['name', 'Name'], ['people', 'People'], ['incidents', 'Incidents']])}</div>
    <ul id="facilities" class="site-tiles"></ul>
    <p id="more-facilities" class="note"></p>
  </section>
  <section aria-labelledby="trend-h" class="trend">
    <div class="section-head"><h2 id="trend-h">Open incidents over time</h2>
    ${toggles('open-range', 'Period', [['day', '24 h'], ['week', '7 days'], ['month', '30 days']])}</div>
    ${chart('open-chart', 'Open incidents by priority')}
  </section>
  <section aria-labelledby="outcomes-h" class="outcomes">
    <h2 id="outcomes-h">Outcomes</h2>
    <div class="outcome-charts">
      <div class="absorbed">${chart('absorbed-chart', 'Calls that did not become tickets, today, per incident')}<ol id="absorbed-list" class="absorbed-list"></ol></div>
      ${chart('ack-chart', 'Time to acknowledge, median per week, by priority')}
      ${chart('resolve-chart', 'Time to resolve, median per week, by priority')}
    </div>
    <p id="absorbed-empty" class="note" hidden>No call has joined an existing incident today.</p>
    <div id="week" class="week"></div>
  </section>
</main>
<div id="announce" class="visually-hidden" aria-live="polite"></div>
<script src="/dashboard/assets/uPlot.iife.min.js"></script>
<script type="module" src="/dashboard/assets/app.js"></script>
</body>
</html>
`;
}

const signInShell = (title: string, body: string) => `${head(title)}
<body class="sign-in-page">
<main class="sign-in">
  <p class="brand-mark" aria-hidden="true">corral</p>
  ${body}
</main>
</body>
</html>
`;

export function signInPage(message: string): string {
  return signInShell(
    'corral — sign in to the dashboard',
    `<h1>Blast-radius dashboard</h1>
  <p class="message" role="alert">${escape(message)}</p>
  <form method="post" action="/dashboard/session">
    <label for="key">Leadership API key</label>
    <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required autofocus>
    <button type="submit">Sign in</button>
  </form>
  <p>Sign in with a <strong>leadership</strong> (or admin) API key. corral keeps a session for 12 hours in a
  cookie that only this dashboard accepts; the key itself is not stored in the browser.</p>
  <p>No key yet? Ask an operator: <code>npx corral keys create --role leadership --label "Command centre"</code>.</p>`,
  );
}

export function signedOutPage(): string {
  return signInShell('corral — signed out', `<h1>Signed out</h1><p>This browser's dashboard session has ended. <a href="/dashboard">Sign in again</a>.</p>`);
}

export function signedInPage(): string {
  return signInShell('corral — signed in', `<h1>Signed in</h1><p><a href="/dashboard">Open the dashboard</a>.</p>`);
}
