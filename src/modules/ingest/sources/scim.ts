import type { CanonicalEvent } from '../../../correlation/canonical-event.js';
import {
  FieldError,
  finish,
  hostOf,
  instant,
  normalizing,
  object,
  optionalObject,
  optionalText,
  text,
  type Json,
  type NormalizeContext,
  type RequestContext,
  type Normalized,
} from './normalize-kit.js';

const PROV = 'urn:ietf:params:scim:event:prov:';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const ROLE_ATTRIBUTES = new Set(['roles', 'groups', 'members', 'entitlements']);

export type IdentityAction =
  | 'user.created'
  | 'user.deactivated'
  | 'user.reactivated'
  | 'user.deleted'
  | 'user.role-changed'
  | 'mfa.reset'
  | 'mfa.failure'
  | 'user.locked'
  | 'password.reset'
  | 'user.updated';

/**
 * SCIM 2.0 provisioning events (RFC 9967 Security Event Tokens, decoded to their JSON claims):
 * joiners, movers and leavers become identity events. One SET may hold several events; each gets
 * the id `<jti>:<event>` (and the member, for a group change), so a re-delivered SET is a repeat.
 * Events other than `prov:*` (async responses, feed control) are not about people and are ignored.
 */
export function normalizeScim(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const set = object(body, 'body');
    const jti = text(set.jti, 'jti');
    const events = object(set.events, 'events');
    const subject = optionalObject(set.sub_id, 'sub_id') ?? {};
    const issuer = optionalText(set.iss, 'iss');
    const system = hostOf(issuer) ?? issuer ?? 'scim';
    const at = occurredAt(set, request);
    const out: CanonicalEvent[] = [];
    let ignored = 0;
    for (const [uri, raw] of Object.entries(events)) {
      if (!uri.startsWith(PROV)) {
        ignored += 1;
        continue;
      }
      const field = `events["${uri}"]`;
      const payload = optionalObject(raw, field) ?? {};
      const verb = uri.slice(PROV.length).split(':')[0] ?? '';
      const resource = optionalText(subject.uri, 'sub_id.uri') ?? '';
      const data = optionalObject(payload.data, `${field}.data`);
      for (const change of changesOf(verb, resource, subject, payload, data, field)) {
        out.push(
          finish(
            {
              id: `${jti}:${uri.slice(PROV.length)}${change.member ? `:${change.member}` : ''}`,
              kind: 'identity',
              source: { type: 'scim', system },
              occurredAt: at,
              status: 'firing',
              severity: change.action === 'user.deleted' || change.action === 'user.deactivated' ? 'low' : 'info',
              system,
              symptom: `${change.action} (SCIM ${verb} of ${resource.startsWith('/Groups') ? 'a group' : 'a user'})`,
              errorSignature: change.action,
              requesterId: change.account,
              department: departmentOf(data),
              labels: { action: change.action, resource: resource.split('/')[1] },
            },
            request,
          ),
        );
      }
    }
    return { events: out, ignored };
  });
}

interface Change {
  action: IdentityAction;
  account?: string | undefined;
  member?: string | undefined;
}

function changesOf(verb: string, resource: string, subject: Json, payload: Json, data: Json | undefined, field: string): Change[] {
  const account = accountOf(subject, data);
  switch (verb) {
    case 'create':
      return [{ action: 'user.created', account }];
    case 'delete':
      return [{ action: 'user.deleted', account }];
    case 'activate':
      return [{ action: 'user.reactivated', account }];
    case 'deactivate':
      return [{ action: 'user.deactivated', account }];
    case 'patch':
    case 'put': {
      if (resource.startsWith('/Groups')) {
        // A group membership change is a role change for each member it names.
        const members = membersOf(data);
        return members.length > 0 ? members.map((member) => ({ action: 'user.role-changed', account: member, member })) : [{ action: 'user.role-changed' }];
      }
      // The usual way to deactivate an account is a PATCH (or PUT) that sets `active` to false.
      const active = activeSet(data);
      if (active !== undefined) return [{ action: active ? 'user.reactivated' : 'user.deactivated', account }];
      return [{ action: touchesRoles(payload, data) ? 'user.role-changed' : 'user.updated', account }];
    }
    default:
      throw new FieldError(field, `unknown SCIM provisioning event "${verb}"`);
  }
}

function accountOf(subject: Json, data: Json | undefined): string | undefined {
  const email = Array.isArray(data?.emails) ? (data.emails as unknown[]).find((e): e is { value: string } => typeof (e as Json | null)?.value === 'string') : undefined;
  const candidates = [data?.userName, subject.externalId, data?.externalId, email?.value, subject.uri];
  return candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
}

/** The `active` a PATCH's operations or a PUT's full resource set, if any. */
function activeSet(data: Json | undefined): boolean | undefined {
  if (typeof data?.active === 'boolean') return data.active;
  const operations = Array.isArray(data?.Operations) ? (data.Operations as unknown[]) : [];
  for (const op of operations) {
    const o = op as Json | null;
    if (typeof o?.path === 'string' && o.path.toLowerCase() === 'active') {
      if (typeof o.value === 'boolean') return o.value;
      if (o.value === 'false' || o.value === 'true') return o.value === 'true';
    }
    const value = o?.value as Json | null | undefined;
    if (o?.path === undefined && typeof value?.active === 'boolean') return value.active;
  }
  return undefined;
}

function touchesRoles(payload: Json, data: Json | undefined): boolean {
  const attributes = Array.isArray(payload.attributes) ? payload.attributes : [];
  const operations = Array.isArray(data?.Operations) ? (data.Operations as unknown[]) : [];
  return (
    attributes.some((a) => typeof a === 'string' && ROLE_ATTRIBUTES.has(a)) ||
    operations.some((op) => typeof (op as Json | null)?.path === 'string' && ROLE_ATTRIBUTES.has(String((op as Json).path).split(/[.[]/)[0] ?? '')) ||
    (Array.isArray(data?.roles) && data.roles.length > 0)
  );
}

function membersOf(data: Json | undefined): string[] {
  const operations = Array.isArray(data?.Operations) ? (data.Operations as unknown[]) : [];
  const fromOps = operations.flatMap((op) => (Array.isArray((op as Json | null)?.value) ? ((op as Json).value as unknown[]) : []));
  const fromData = Array.isArray(data?.members) ? (data.members as unknown[]) : [];
  return [...fromOps, ...fromData].flatMap((m) => (typeof (m as Json | null)?.value === 'string' ? [(m as Json).value as string] : []));
}

function departmentOf(data: Json | undefined): string | undefined {
  const enterprise = data?.[ENTERPRISE];
  const department = typeof enterprise === 'object' && enterprise !== null ? (enterprise as Json).department : undefined;
  return typeof department === 'string' ? department : undefined;
}

/** `toe` (time of event) when given, else `iat` (issued at): both are seconds since the epoch. */
function occurredAt(set: Json, request: RequestContext): string {
  for (const key of ['toe', 'iat']) {
    const value = set[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new FieldError(key, 'must be seconds since the epoch');
    return instant(value * 1000, key, request);
  }
  return request.receivedAtIso;
}
