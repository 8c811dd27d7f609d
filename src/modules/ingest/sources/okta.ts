import type { CanonicalEvent } from '../../../correlation/canonical-event.js';
import {
  array,
  finish,
  hostOf,
  normalizing,
  object,
  optionalObject,
  optionalText,
  severityFrom,
  text,
  timestamp,
  type Json,
  type NormalizeContext,
  type Normalized,
} from './normalize-kit.js';
import type { IdentityAction } from './scim.js';

/** Okta System Log event types that are joiners, movers, leavers or MFA trouble. */
const ACTIONS: Record<string, IdentityAction> = {
  'user.lifecycle.create': 'user.created',
  'user.lifecycle.activate': 'user.created',
  'user.lifecycle.reactivate': 'user.reactivated',
  'user.lifecycle.unsuspend': 'user.reactivated',
  'user.lifecycle.deactivate': 'user.deactivated',
  'user.lifecycle.suspend': 'user.deactivated',
  'user.lifecycle.delete.initiated': 'user.deleted',
  'user.lifecycle.delete.completed': 'user.deleted',
  'user.account.update_profile': 'user.updated',
  'group.user_membership.add': 'user.role-changed',
  'group.user_membership.remove': 'user.role-changed',
  'user.account.privilege.grant': 'user.role-changed',
  'user.account.privilege.revoke': 'user.role-changed',
  'application.user_membership.add': 'user.role-changed',
  'application.user_membership.remove': 'user.role-changed',
  'application.user_membership.change_username': 'user.updated',
  'user.mfa.factor.deactivate': 'mfa.reset',
  'user.mfa.factor.reset_all': 'mfa.reset',
  'user.mfa.factor.suspend': 'mfa.reset',
  'user.mfa.okta_verify.deny_push': 'mfa.failure',
  'user.mfa.attempt_bypass': 'mfa.failure',
  'user.account.lock': 'user.locked',
  'user.account.lock.limit': 'user.locked',
  'user.account.reset_password': 'password.reset',
  'user.account.update_password': 'password.reset',
};
/** These count only when they failed: a successful MFA challenge is not news. */
const FAILURES: Record<string, IdentityAction> = {
  'user.authentication.auth_via_mfa': 'mfa.failure',
  'system.push.send_factor_verify_push': 'mfa.failure',
  'user.authentication.verify': 'mfa.failure',
};

/**
 * Okta event hook delivery (`data.events[]`, System Log events). Each relevant event becomes an
 * identity event with Okta's own uuid as id; the affected account is the User target (or, for an
 * MFA failure with no target, the actor). Events that are not about joiners, movers, leavers or
 * MFA (sessions, app SSO …) are ignored, as is everything about where people were.
 */
export function normalizeOkta(body: unknown, context: NormalizeContext): Normalized {
  return normalizing(context, (request) => {
    const hook = object(body, 'body');
    const data = object(hook.data, 'data');
    const list = array(data.events, 'data.events');
    const instance = hostOf(optionalText(hook.source, 'source')?.replace('${yourOktaDomain}', 'okta.invalid'));
    const events: CanonicalEvent[] = [];
    let ignored = 0;
    list.forEach((raw, index) => {
      const field = `data.events[${index}]`;
      const event = object(raw, field);
      const eventType = text(event.eventType, `${field}.eventType`);
      const outcome = optionalText(optionalObject(event.outcome, `${field}.outcome`)?.result, `${field}.outcome.result`);
      const failed = outcome === 'FAILURE' || outcome === 'DENY';
      const action = ACTIONS[eventType] ?? (failed ? FAILURES[eventType] : undefined);
      if (!action) {
        ignored += 1;
        return;
      }
      const account = accountOf(event, field);
      events.push(
        finish(
          {
            id: text(event.uuid, `${field}.uuid`),
            kind: 'identity',
            source: { type: 'okta', system: 'okta', ...(instance ? { instance } : {}) },
            occurredAt: timestamp(event.published, `${field}.published`, request),
            status: 'firing',
            severity: action === 'mfa.failure' ? 'medium' : severityFrom(optionalText(event.severity, `${field}.severity`), 'info'),
            system: 'okta',
            symptom: `${optionalText(event.displayMessage, `${field}.displayMessage`) ?? eventType}${failed ? ' (failed)' : ''}`,
            errorSignature: action,
            requesterId: account,
            labels: { eventType, action, ...(outcome ? { outcome } : {}) },
          },
          request,
        ),
      );
    });
    return { events, ignored };
  });
}

function accountOf(event: Json, field: string): string | undefined {
  const targets = Array.isArray(event.target) ? (event.target as unknown[]) : [];
  const user = targets.find((t): t is Json => typeof t === 'object' && t !== null && (t as Json).type === 'User');
  const actor = optionalObject(event.actor, `${field}.actor`);
  const pick = (who: Json | undefined) => optionalText(who?.alternateId, `${field}.alternateId`) ?? optionalText(who?.id, `${field}.id`);
  return pick(user) ?? (actor?.type === 'User' ? pick(actor) : undefined);
}
