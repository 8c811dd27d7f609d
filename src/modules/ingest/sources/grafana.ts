import { alertsOf } from './alertmanager.js';
import { normalizing, object, optionalText, type NormalizeContext, type Normalized } from './normalize-kit.js';

/**
 * Grafana alerting webhook (payload `version` "1"): Alertmanager's webhook plus orgId, title,
 * state, message and per-alert values. The values and the pre-rendered message are volatile or
 * free text with nothing the correlation needs, so only the alerts are read.
 */
export function normalizeGrafana(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const payload = object(body, 'body');
    const orgId = optionalText(payload.orgId, 'orgId');
    return { events: alertsOf(payload, 'grafana', request, orgId ? { orgId } : {}) };
  });
}
