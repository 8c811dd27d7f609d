/**
 * The dashboard's HTML: a static shell (no data in it — the script fills it from the live stream)
 * and the sign-in page answered with 401 to a browser that has no session yet. No inline script:
 * helmet's Content-Security-Policy allows scripts from this origin only.
 */

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const head = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/dashboard/app.css">
</head>`;

export function dashboardPage(): string {
  return `${head('corral — blast radius')}
<body>
<a class="skip" href="#incidents">Skip to open incidents</a>
<header class="bar">
  <h1>Blast radius</h1>
  <p id="status" class="status" role="status">Connecting…</p>
  <p id="freshness" class="status freshness" hidden></p>
  <form method="post" action="/dashboard/sign-out" class="sign-out"><button type="submit">Sign out</button></form>
</header>
<main>
  <section aria-labelledby="totals-h" class="totals">
    <h2 id="totals-h" class="visually-hidden">Totals</h2>
    <dl id="totals">
      <div><dt>Open incidents</dt><dd data-total="incidents">–</dd></div>
      <div><dt>P1</dt><dd data-total="p1">–</dd></div>
      <div><dt>Facilities affected</dt><dd data-total="facilitiesAffected">–</dd></div>
      <div><dt>People affected</dt><dd data-total="peopleAffected">–</dd></div>
      <div><dt>Patient impact</dt><dd data-total="patientImpact">–</dd></div>
      <div><dt>Longest open</dt><dd data-total="longestOpen">–</dd></div>
    </dl>
  </section>
  <section aria-labelledby="incidents-h" class="incidents">
    <h2 id="incidents-h">Open incidents by priority</h2>
    <ol id="incidents" class="incident-list" tabindex="-1"></ol>
    <p id="more-incidents" class="note"></p>
  </section>
  <section aria-labelledby="grid-h" class="grid">
    <h2 id="grid-h">Facilities × systems</h2>
    <div class="scroll"><table id="grid"><caption class="visually-hidden">Open incidents per facility and system; the cell names the worst priority and the people affected</caption></table></div>
    <p id="more-grid" class="note"></p>
  </section>
  <section aria-labelledby="timeline-h" class="timeline">
    <h2 id="timeline-h">Last 24 hours</h2>
    <div id="timeline"></div>
  </section>
  <section aria-labelledby="outcomes-h" class="outcomes">
    <h2 id="outcomes-h">Outcomes, last 24 hours</h2>
    <div id="outcomes"></div>
  </section>
</main>
<div id="announce" class="visually-hidden" aria-live="polite"></div>
<script type="module" src="/dashboard/app.js"></script>
</body>
</html>
`;
}

export function signInPage(message: string): string {
  return `${head('corral — sign in to the dashboard')}
<body>
<main class="sign-in">
  <h1>Blast-radius dashboard</h1>
  <p>${escape(message)}</p>
  <p>Sign in with a <strong>leadership</strong> (or admin) API key. corral keeps a session for 12 hours in a
  cookie that only this dashboard accepts; the key itself is not stored in the browser.
  Ask an operator for a key: <code>npx corral keys create --role leadership --label "Command centre"</code>.</p>
  <form method="post" action="/dashboard/session">
    <label for="key">API key</label>
    <input id="key" name="key" type="password" autocomplete="off" spellcheck="false" required autofocus>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>
`;
}

export function signedOutPage(): string {
  return `${head('corral — signed out')}
<body><main class="sign-in"><p>Signed out: this browser's dashboard session has ended. <a href="/dashboard">Sign in again</a>.</p></main></body>
</html>
`;
}

export function signedInPage(): string {
  return `${head('corral — signed in')}
<body><main class="sign-in"><p>Signed in. <a href="/dashboard">Open the dashboard</a>.</p></main></body>
</html>
`;
}
