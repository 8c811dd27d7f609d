import { requesterToken } from '../../../correlation/requester-token.js';
import { normalizeScim } from './scim.js';
import { context, eventsOf, json, KEY, idOf } from './spec-support.js';

describe('normalizeScim', () => {
  it('maps each provisioning event onto an identity action for the account', () => {
    const cases: Array<[string, string, string]> = [
      ['set-create-full', 'user.created', 'jdoe'],
      ['set-create-notice', 'user.created', 'jdoe'],
      ['set-delete', 'user.deleted', 'jdoe'],
      ['set-activate', 'user.reactivated', '/Users/2b2f880af6674ac284bae9381673d462'],
      ['set-put-full', 'user.updated', 'jdoe'],
      ['set-put-notice', 'user.role-changed', '/Users/2819c223-7f76-453a-919d-413861904646'],
    ];
    for (const [file, action, account] of cases) {
      const [event] = eventsOf(normalizeScim(json(`scim/${file}.json`), context));
      expect([file, event?.errorSignature, event?.requester?.token]).toEqual([file, action, requesterToken(KEY, account)]);
      expect(event).toMatchObject({ kind: 'identity', system: 'scim.example.com', occurredAt: expect.stringMatching(/^2016-03-2/) });
    }
  });

  it('treats a group membership change as a role change of each member, and ids include the event', () => {
    const [event] = eventsOf(normalizeScim(json('scim/set-patch-full.json'), context));

    expect(event).toMatchObject({ id: idOf('6164f3bbf6ff41a88dc94f18cb0620e8:patch:full:2819c223-7f76-453a-919d-413861904646'), errorSignature: 'user.role-changed' });
  });

  it('makes a PATCH or PUT that sets active to false a deactivation, and true a reactivation', () => {
    const patch = (operations: unknown[]) => ({
      jti: 'j1',
      iat: 1458496404,
      sub_id: { format: 'scim', uri: '/Users/44f6142df96bd6ab61e7521d9', externalId: 'jdoe' },
      events: { 'urn:ietf:params:scim:event:prov:patch:full': { data: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: operations } } },
    });
    const action = (body: unknown) => eventsOf(normalizeScim(body, context))[0]?.errorSignature;

    expect(action(patch([{ op: 'replace', path: 'active', value: false }]))).toBe('user.deactivated');
    expect(action(patch([{ op: 'replace', value: { active: true } }]))).toBe('user.reactivated');
    expect(action(patch([{ op: 'replace', path: 'displayName', value: 'x' }]))).toBe('user.updated');
  });

  it('carries the enterprise department, never the name or e-mail', () => {
    const set = json('scim/set-create-full.json');
    const data = ((set.events as Record<string, { data: Record<string, unknown> }>)['urn:ietf:params:scim:event:prov:create:full']).data;
    data['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'] = { department: 'Emergency' };

    const [event] = eventsOf(normalizeScim(set, context));

    expect(event?.department).toBe('Emergency');
    expect(JSON.stringify(event)).not.toMatch(/jdoe|John|Doe/);
  });

  it('ignores events that are not provisioning and names a missing jti', () => {
    expect(normalizeScim({ jti: 'x', events: { 'urn:ietf:params:scim:event:misc:asyncResp': {} } }, context)).toMatchObject({ ok: true, events: [], ignored: 1 });
    expect(normalizeScim({ events: {} }, context)).toMatchObject({ ok: false, field: 'jti' });
  });
});
