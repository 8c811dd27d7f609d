import type { SessionUse } from './dashboard-session.js';
import type { LeadershipView } from './role-views.js';
import type { Role } from './roles.js';

/** How an access lands in the audit trail (FHIR AuditEvent.type: DCM 110100 / 110112 / 110106). */
export interface AuditSpec {
  action: string;
  /** activity: a change (command); query: a read. A read answered as `?format=fhir` is recorded as an export. */
  type: 'activity' | 'query';
  /** The route parameter naming what was touched (an incident id), if any. */
  targetParam?: string;
}

export interface RouteAccess {
  /** Who may call it; 'public' only for the health probes and the API description. */
  roles: readonly Role[] | 'public';
  /**
   * A public route that says more to a caller with credentials of one of these roles (readiness:
   * which dependency failed). Credentials that do not authenticate are not refused there: the
   * caller is answered as anonymous, so that a probe never fails over a stale key.
   */
  detailsFor?: readonly Role[];
  audit?: AuditSpec;
  /** The minimum-necessary shape leadership gets instead of the full response (role-views.ts). */
  leadershipView?: LeadershipView;
  /** Dashboard routes only: also accept its session cookie, or (the sign-in route) a key from the form. */
  session?: SessionUse;
  /**
   * A public route that checks its own credentials before it reads anything: a vendor's signature
   * (Slack, Teams), or a signed link. Without them it answers 401 (or 404 when the channel is off).
   */
  checkedByRoute?: string;
}

const ANY: readonly Role[] = ['ingest', 'agent', 'leadership', 'auditor', 'admin'];
const INGEST: readonly Role[] = ['ingest', 'admin'];
const AGENT: readonly Role[] = ['agent', 'admin'];
const LEADERSHIP: readonly Role[] = ['leadership', 'admin'];
const command = (verb: string): RouteAccess => ({ roles: AGENT, audit: { action: `incident.${verb}`, type: 'activity', targetParam: 'id' } });

/**
 * THE access matrix: every route corral serves, by method and Express path pattern, with the roles
 * that may call it. The global AccessGuard looks each request's matched route up here, so controllers
 * carry no auth code; a route missing from this table is refused (and test/auth-matrix.test.ts,
 * which enumerates the app's real routes, fails until it is added).
 *
 * `admin` is the operator's role: it may call everything (and every call it makes to a sensitive
 * route is audited like anyone else's). The API description (`/docs`) is public: it holds no data.
 */
export const ACCESS_MATRIX: Readonly<Record<string, RouteAccess>> = {
  // Docker's HEALTHCHECK and Kubernetes' probes send no credentials: both probes answer everyone,
  // readiness with its verdict only; which dependency failed, and how, needs a key.
  'GET /health/live': { roles: 'public' },
  'GET /health/ready': { roles: 'public', detailsFor: ANY },
  // Prometheus already holds an ingest key for Alertmanager; metrics are counts, no PHI.
  'GET /metrics': { roles: INGEST },
  // The OpenAPI description and Swagger UI's files, served by @nestjs/swagger outside Nest's router
  // (so outside the guard too): listed so the matrix test notices when that set changes.
  'GET /docs': { roles: 'public' },
  'GET /docs/': { roles: 'public' },
  'GET /docs/index.html': { roles: 'public' },
  'GET /docs/swagger-ui-init.js': { roles: 'public' },
  'GET /docs/docs/swagger-ui-init.js': { roles: 'public' },
  'GET /docs/LICENSE': { roles: 'public' },
  'GET /docs-json': { roles: 'public' },
  'GET /docs-yaml': { roles: 'public' },

  'POST /v1/events': { roles: INGEST },
  'POST /v1/ingest/pagerduty': { roles: INGEST },
  'GET /v1/ingest/okta': { roles: INGEST },
  'POST /v1/ingest/okta': { roles: INGEST },
  'POST /v1/ingest/hl7': { roles: INGEST },
  'POST /v1/ingest/:source': { roles: INGEST },
  'GET /v1/dead-letters': { roles: ['admin'], audit: { action: 'dead-letters.read', type: 'query' } },

  'GET /v1/incidents': { roles: ['agent', 'leadership', 'admin'], leadershipView: 'incident-page' },
  'GET /v1/incidents/:id': { roles: AGENT, audit: { action: 'incident.read', type: 'query', targetParam: 'id' } },
  'GET /v1/incidents/:id/timeline': { roles: ['agent', 'auditor', 'admin'], audit: { action: 'incident.timeline.read', type: 'query', targetParam: 'id' } },
  'POST /v1/incidents/:id/acknowledge': command('acknowledge'),
  // A helpdesk's own resolve or reopen of its ticket (an RT Scrip), with an agent key of its own.
  'POST /v1/helpdesks/:name/ticket-events': { roles: AGENT, audit: { action: 'helpdesk.ticket-event', type: 'activity', targetParam: 'name' } },
  'POST /v1/incidents/:id/resolve': command('resolve'),
  'POST /v1/incidents/:id/reopen': command('reopen'),
  'POST /v1/incidents/:id/merge': command('merge'),
  'POST /v1/incidents/:id/split': command('split'),
  'POST /v1/incidents/:id/suggestions/:suggestionId/confirm': command('confirm-suggestion'),
  'POST /v1/incidents/:id/suggestions/:suggestionId/reject': command('reject-suggestion'),

  'GET /v1/deliveries': { roles: AGENT, audit: { action: 'deliveries.read', type: 'query' } },
  'GET /v1/deliveries/blocked': { roles: AGENT, audit: { action: 'deliveries.read', type: 'query' } },
  'POST /v1/deliveries/retry': { roles: ['admin'], audit: { action: 'deliveries.retry', type: 'activity' } },
  'POST /v1/deliveries/skip': { roles: ['admin'], audit: { action: 'deliveries.skip', type: 'activity' } },
  // Correlation rules: which are in force, and reloading them (rules-reloader.ts audits every load itself).
  'GET /v1/rules': { roles: ['admin', 'auditor'] },
  'GET /v1/rules/shadow': { roles: ['admin', 'auditor'] },
  'POST /v1/rules/reload': { roles: ['admin'], audit: { action: 'rules.reload', type: 'activity' } },
  // Instances, partition owners, epochs and lag: operations data, no PHI.
  'GET /v1/cluster': { roles: ['admin'] },

  // Blast radius, outcomes and the live dashboard (src/modules/blast-radius, src/modules/dashboard):
  // aggregates only, and leadership gets people counts under the threshold as "<5" (suppression.ts).
  'GET /v1/blast-radius': { roles: LEADERSHIP, leadershipView: 'blast-radius' },
  'GET /v1/incidents/:id/blast-radius': { roles: ['agent', 'leadership', 'admin'], leadershipView: 'incident-blast-radius' },
  'GET /v1/metrics/outcomes': { roles: LEADERSHIP, leadershipView: 'outcomes' },
  'GET /dashboard': { roles: LEADERSHIP, leadershipView: 'dashboard', session: 'cookie' },
  // Its script modules, style and uPlot's files: code, no figure, so the sign-in page is styled
  // before there is a session; names from a fixed list (dashboard.assets.ts).
  'GET /dashboard/assets/:name': { roles: 'public' },
  'GET /dashboard/stream': { roles: LEADERSHIP, leadershipView: 'dashboard', session: 'cookie' },
  'POST /dashboard/session': { roles: LEADERSHIP, leadershipView: 'dashboard', audit: { action: 'dashboard.sign-in', type: 'activity' }, session: 'exchange' },
  'POST /dashboard/sign-out': { roles: LEADERSHIP, leadershipView: 'dashboard', audit: { action: 'dashboard.sign-out', type: 'activity' }, session: 'cookie' },

  // Channels (src/modules/channels): Slack and Teams sign each request with the app's shared
  // secret, which the route checks before reading anything (chat/); they send no corral key.
  'POST /v1/channels/slack/events': { roles: 'public', checkedByRoute: "Slack's request signature" },
  'POST /v1/channels/slack/commands': { roles: 'public', checkedByRoute: "Slack's request signature" },
  'POST /v1/channels/teams/messages': { roles: 'public', checkedByRoute: "Teams' HMAC" },
  // A FHIR server's Subscription rest-hook sends the header its Subscription names: an ingest key.
  'POST /v1/channels/fhir/notifications': { roles: INGEST },
  'PUT /v1/channels/fhir/notifications/:type/:id': { roles: INGEST },

  // The clinicians' known-issues page (channels/known-issues): a signed link opens it without a
  // key (checked in KnownIssuesService.scopeFor), any key opens it too. It shows no patient data,
  // no requester and no free text but an agent's note, which is checked for identifiers when set.
  'GET /v1/known-issues': { roles: 'public', detailsFor: ANY, checkedByRoute: 'a signed link, or any key' },
  'POST /v1/known-issues/:id/me-too': { roles: 'public', detailsFor: ANY, checkedByRoute: 'a signed link, or any key' },
  'GET /known-issues': { roles: 'public', detailsFor: ANY, checkedByRoute: 'a signed link, or any key' },
  'GET /known-issues/style.css': { roles: 'public' },
  'POST /known-issues/:id/me-too': { roles: 'public', detailsFor: ANY, checkedByRoute: 'a signed link, or any key' },
  'POST /v1/known-issues/links': { roles: ['admin'], audit: { action: 'known-issues.link', type: 'activity' } },
  'PUT /v1/incidents/:id/public-note': command('public-note'),
  'DELETE /v1/incidents/:id/public-note': command('public-note.remove'),

  'GET /v1/audit': { roles: ['auditor', 'admin'], audit: { action: 'audit.read', type: 'query' } },
  'GET /v1/audit/verify': { roles: ['auditor', 'admin'], audit: { action: 'audit.verify', type: 'query' } },
};

export function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

export function accessFor(method: string, path: string): RouteAccess | undefined {
  return ACCESS_MATRIX[routeKey(method, path)];
}
