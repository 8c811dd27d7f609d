import type { KnownIssuesPage } from './known-issues.service.js';
import type { KnownIssue } from './known-issues.view.js';

/** Every value put in the page is escaped: codes come from senders, notes from agents. */
const escape = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const THANKS: Record<string, string> = {
  joined: 'Thank you — your report was added to this problem. You do not need to call the service desk about it.',
  already: 'You have already told us about this problem from this device. Thank you — no need to call.',
  pending: 'Thank you — your report is logged and is being matched to the problem.',
  enough: 'Thank you — many people on your network have already reported this problem; the team knows. No need to call.',
};

/**
 * The known-issues page, rendered on the server: no script, so it works on any ward PC's browser,
 * reads in a screen reader as headings and lists, and refreshes itself every minute. `query` is
 * the signed link's query string, carried on every form so "me too" stays inside the link's scope.
 */
export function renderKnownIssues(page: KnownIssuesPage, query: string, thanks: string | undefined): string {
  const where = [page.scope.system, page.scope.facility].filter(Boolean).length > 0 ? ` — ${escape(scopeWords(page))}` : '';
  const active = page.issues.filter((i) => i.state !== 'fixed');
  const fixed = page.issues.filter((i) => i.state === 'fixed');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60">
<title>Known IT problems${where}</title>
<link rel="stylesheet" href="/known-issues/style.css">
</head>
<body>
<header>
<h1>Known IT problems${where}</h1>
<p class="as-of">Updated at <time datetime="${escape(page.asOf)}">${escape(page.asOfLocal)}</time>. This page refreshes every minute.</p>
</header>
<main>
${thanks && Object.hasOwn(THANKS, thanks) ? `<p class="thanks" role="status">${THANKS[thanks]}</p>` : ''}
${active.length === 0 ? '<p class="none">No known problems right now. If something is not working for you, call the service desk.</p>' : `<h2 class="count">${active.length === 1 ? '1 problem' : `${active.length} problems`} the IT teams know about</h2>\n<ul class="issues">${active.map((issue) => card(issue, query)).join('\n')}</ul>`}
${fixed.length === 0 ? '' : `<h2 class="count">Fixed recently</h2>\n<ul class="issues fixed">${fixed.map((issue) => card(issue, query)).join('\n')}</ul>`}
</main>
<footer><p>Something else not working? Call the service desk. This page shows no patient information.</p></footer>
</body>
</html>
`;
}

function card(issue: KnownIssue, query: string): string {
  const priority = issue.priority.toLowerCase();
  const note = issue.note ? `<p class="note"><strong>What to do:</strong> ${escape(issue.note)}</p>` : '';
  const eta = issue.eta ? `<p class="eta"><strong>Expected fix:</strong> ${escape(issue.eta)}</p>` : '';
  const care = issue.patientCare && issue.state !== 'fixed' ? '<p class="care"><strong>Patient care is affected.</strong> Follow your downtime procedures.</p>' : '';
  const action =
    issue.state === 'fixed'
      ? `<p class="fixed-at">Fixed. If it still does not work for you, call the service desk.</p>`
      : `<form method="post" action="/known-issues/${escape(issue.id)}/me-too?${escape(query)}"><button type="submit">This affects me too</button></form>`;
  return `<li class="issue ${escape(priority)}" aria-labelledby="issue-${escape(issue.id)}">
<h3 id="issue-${escape(issue.id)}">${escape(issue.affected)}</h3>
<p class="state"><span class="badge">${escape(issue.priority)}</span> <span class="state-words">${escape(sentence(issue.state))}</span> since <time datetime="${escape(issue.since)}">${escape(issue.sinceLocal)}</time></p>
<p class="reported">${escape(sentence(issue.reported))}.</p>
${care}${note}${eta}${action}
</li>`;
}

const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function scopeWords(page: KnownIssuesPage): string {
  const issue = page.issues[0];
  const facility = page.scope.facility ? (issue?.facilities.find((f) => f.code === page.scope.facility)?.name ?? page.scope.facility) : undefined;
  return [page.scope.system ? (issue?.systemName ?? page.scope.system) : undefined, facility].filter(Boolean).join(' at ');
}

/**
 * Large type and high contrast for a ward PC across the room; the priority is written on every
 * card (colour is only a second signal); the button is a real button, focus visible.
 */
export const KNOWN_ISSUES_STYLE = `
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1a1a1a; background: #f6f7f9; }
body { margin: 0 auto; max-width: 60rem; padding: 1rem 1.25rem 3rem; font-size: 1.125rem; line-height: 1.5; }
h1 { font-size: 1.75rem; margin: 0.5rem 0 0.25rem; }
.as-of { margin: 0 0 1rem; color: #3d4450; }
.count { font-size: 1.25rem; margin: 1.5rem 0 0.5rem; }
.issues { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.75rem; }
.issue { background: #fff; border: 1px solid #c9ced6; border-left: 0.5rem solid #5b6472; border-radius: 0.375rem; padding: 0.75rem 1rem; }
.issue.p1 { border-left-color: #b3261e; }
.issue.p2 { border-left-color: #b35c00; }
.issue.p3 { border-left-color: #1f5fa8; }
.fixed .issue { border-left-color: #2e7d32; }
.issue h3 { margin: 0 0 0.25rem; font-size: 1.3rem; }
.issue p { margin: 0.25rem 0; }
.badge { display: inline-block; font-weight: 700; padding: 0 0.5rem; border-radius: 0.25rem; background: #1a1a1a; color: #fff; }
.p1 .badge { background: #b3261e; }
.p2 .badge { background: #8a4500; }
.care { color: #8c1d18; }
.note { background: #fff8e1; border: 1px solid #e0c46c; border-radius: 0.25rem; padding: 0.375rem 0.5rem; }
button { font: inherit; font-weight: 600; margin-top: 0.5rem; padding: 0.5rem 1rem; border-radius: 0.375rem; border: 2px solid #1f5fa8; background: #1f5fa8; color: #fff; cursor: pointer; }
button:hover { background: #174a84; }
button:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 2px; }
.thanks { background: #e8f5e9; border: 2px solid #2e7d32; border-radius: 0.375rem; padding: 0.75rem 1rem; font-weight: 600; }
.none { background: #fff; border: 1px solid #c9ced6; border-radius: 0.375rem; padding: 1rem; }
footer { margin-top: 2rem; color: #3d4450; font-size: 1rem; }
@media (max-width: 40rem) { body { font-size: 1rem; } h1 { font-size: 1.4rem; } }
`;
