import { requesterToken } from '../../../correlation/requester-token.js';
import { normalizeOkta } from './okta.js';
import { context, eventsOf, json, KEY, idOf } from './spec-support.js';

describe('normalizeOkta', () => {
  it('makes a deactivation an identity event for the target account, with Okta uuid as id', () => {
    const [event] = eventsOf(normalizeOkta(json('okta/event-hook-deactivate-composed.json'), context));

    expect(event).toMatchObject({
      id: idOf('ab62c0bc-2837-11eb-9823-9fb8f750c5a9'), kind: 'identity', system: 'okta', errorSignature: 'user.deactivated',
      symptom: 'Deactivate Okta User', occurredAt: '2020-11-16T18:15:12.862Z', requester: { token: requesterToken(KEY, 'john.doe@example.com') },
    });
    expect(JSON.stringify(event)).not.toMatch(/Toronto|198\.51|John Doe|okta\.trainer/);
  });

  it('ignores session starts and successful MFA, and keeps MFA failures of the actor', () => {
    expect(normalizeOkta(json('okta/event-hook-request-docs.json'), context)).toMatchObject({ ok: true, events: [], ignored: 1 });
    const hook = json('okta/event-hook-request-docs.json');
    const login = (hook.data as { events: Array<Record<string, unknown>> }).events[0];
    const failure = { ...login, eventType: 'user.authentication.auth_via_mfa', outcome: { result: 'FAILURE' } };

    const [event] = eventsOf(normalizeOkta({ ...hook, data: { events: [failure, { ...failure, outcome: { result: 'SUCCESS' } }] } }, context));

    expect(event).toMatchObject({ errorSignature: 'mfa.failure', severity: 'medium', requester: { token: requesterToken(KEY, 'admin@example.com') } });
  });

  it('makes a lockout and a password reset identity events of the account (both explain "I cannot log in")', () => {
    const hook = json('okta/event-hook-deactivate-composed.json');
    const deactivation = (hook.data as { events: Array<Record<string, unknown>> }).events[0];
    const events = eventsOf(normalizeOkta({ ...hook, data: { events: [{ ...deactivation, eventType: 'user.account.lock' }, { ...deactivation, uuid: 'other', eventType: 'user.account.reset_password' }] } }, context));

    expect(events.map((e) => e.errorSignature)).toEqual(['user.locked', 'password.reset']);
    expect(events[0]?.requester?.token).toBe(requesterToken(KEY, 'john.doe@example.com'));
  });

  it('names the missing field', () => {
    expect(normalizeOkta({ data: {} }, context)).toMatchObject({ ok: false, field: 'data.events' });
  });
});
