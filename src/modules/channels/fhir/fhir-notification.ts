/**
 * What a FHIR Subscription rest-hook delivers, read without keeping anything but references:
 * - R4: the resource itself, PUT to `[endpoint]/[type]/[id]` (payload set), or an empty POST (no payload);
 * - the R4 Subscriptions Backport IG (and R4B/R5): a `history` (or `subscription-notification`)
 *   Bundle whose first entry is the status (Parameters, or SubscriptionStatus) and whose other
 *   entries are the resources (`full-resource`) or only their URLs (`id-only`).
 * Handshakes and heartbeats carry nothing to take.
 */
export type Notification =
  | { kind: 'handshake' | 'heartbeat' | 'empty' }
  | { kind: 'event'; resources: Array<Record<string, unknown>>; references: Array<{ type: string; id: string }> }
  | { kind: 'invalid'; reason: string };

const REFERENCE = /(?:^|\/)([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[A-Za-z0-9.-]{1,64})?$/;

export function readNotification(body: unknown): Notification {
  if (body === undefined || body === null || body === '') return { kind: 'empty' };
  if (typeof body !== 'object' || Array.isArray(body)) return { kind: 'invalid', reason: 'the body must be a FHIR resource or a notification Bundle (application/fhir+json)' };
  const resource = body as Record<string, unknown>;
  if (typeof resource.resourceType !== 'string') return { kind: 'invalid', reason: 'resourceType is missing: the body must be a FHIR resource or a notification Bundle' };
  if (resource.resourceType !== 'Bundle') return { kind: 'event', resources: [resource], references: [] };
  if (resource.type !== 'history' && resource.type !== 'subscription-notification') return { kind: 'invalid', reason: `a notification Bundle has type history (R4 backport) or subscription-notification (R5), not ${JSON.stringify(resource.type)}` };
  const entries = Array.isArray(resource.entry) ? (resource.entry as unknown[]) : [];
  const status = entryResource(entries[0]);
  const type = status ? notificationType(status) : undefined;
  if (!status || type === undefined) return { kind: 'invalid', reason: 'the first entry of a notification Bundle must be its SubscriptionStatus (a Parameters resource in R4) with a type' };
  if (type === 'handshake' || type === 'heartbeat') return { kind: type };
  if (type !== 'event-notification' && type !== 'query-event') return { kind: 'invalid', reason: `notification type ${JSON.stringify(type)} is not one corral takes (event-notification, handshake, heartbeat)` };
  const resources: Array<Record<string, unknown>> = [];
  const references: Array<{ type: string; id: string }> = [];
  for (const entry of entries.slice(1)) {
    const full = entryResource(entry);
    if (full) {
      resources.push(full);
      continue;
    }
    const url = typeof entry === 'object' && entry !== null ? ((entry as { fullUrl?: unknown }).fullUrl ?? (entry as { request?: { url?: unknown } }).request?.url) : undefined;
    const match = typeof url === 'string' ? REFERENCE.exec(url) : null;
    if (match?.[1] && match[2]) references.push({ type: match[1], id: match[2] });
  }
  return { kind: 'event', resources, references };
}

function entryResource(entry: unknown): Record<string, unknown> | undefined {
  if (typeof entry !== 'object' || entry === null) return undefined;
  const resource = (entry as { resource?: unknown }).resource;
  return typeof resource === 'object' && resource !== null && typeof (resource as { resourceType?: unknown }).resourceType === 'string' ? (resource as Record<string, unknown>) : undefined;
}

/** SubscriptionStatus.type (R4B/R5), or the backport's Parameters `type` parameter. */
function notificationType(status: Record<string, unknown>): string | undefined {
  if (status.resourceType === 'SubscriptionStatus') return typeof status.type === 'string' ? status.type : undefined;
  if (status.resourceType !== 'Parameters' || !Array.isArray(status.parameter)) return undefined;
  const parameter = (status.parameter as Array<Record<string, unknown>>).find((p) => p.name === 'type');
  return typeof parameter?.valueCode === 'string' ? parameter.valueCode : undefined;
}
