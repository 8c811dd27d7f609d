import { requesterToken } from '../../../correlation/requester-token.js';
import { normalizeHelpdesk } from './helpdesk.js';
import { context, eventsOf, json, KEY, idOf } from './spec-support.js';

describe('normalizeHelpdesk', () => {
  it('keeps the ticket id, tokenizes the requester and labels the channel', () => {
    const [event] = eventsOf(normalizeHelpdesk(json('helpdesk/report-phone.json'), context));

    expect(event).toMatchObject({
      id: idOf('INC0012345'), kind: 'report', status: 'firing', system: 'epic-adt', facility: 'overlake', department: '4-west',
      labels: { channel: 'phone', requesterDomain: 'overlake.example.org' }, requester: { token: requesterToken(KEY, 'nurse.jones@overlake.example.org') },
    });
    // Of the person, only the token: the domain is the organisation's, and nothing else of the address is kept.
    expect(JSON.stringify(event)).not.toContain('nurse.jones');
    expect(eventsOf(normalizeHelpdesk({ ...json('helpdesk/report-phone.json'), requester: 'jdoe' }, context))[0]?.labels).toEqual({ channel: 'phone' });
  });

  it('keeps the helpdesk’s own ticket key in the clear when the report names its helpdesk, and nothing else as one', () => {
    const body = json('helpdesk/report-phone.json');
    const fromRt = eventsOf(normalizeHelpdesk({ ...body, id: '4711', helpdesk: 'rt' }, context))[0];
    expect(fromRt).toMatchObject({ source: { type: 'helpdesk', system: 'rt' }, labels: { helpdeskTicket: '4711' } });
    // No helpdesk named: an id only, hashed. An id that is not a record key (free text): hashed too.
    expect(eventsOf(normalizeHelpdesk({ ...body, id: '4711' }, context))[0]?.labels?.helpdeskTicket).toBeUndefined();
    expect(eventsOf(normalizeHelpdesk({ ...body, id: 'call from Mrs Smith 555-0100', helpdesk: 'rt' }, context))[0]?.labels?.helpdeskTicket).toBeUndefined();
  });

  it('derives the same id for the same report, and the same token for the same person however written', () => {
    const body = json('helpdesk/report-email.json');
    const [a] = eventsOf(normalizeHelpdesk(body, context));
    const [b] = eventsOf(normalizeHelpdesk({ ...body, requester: { id: ' drsmith ' } }, { ...context, receivedAt: new Date() }));

    expect(a?.id).toMatch(/^ev_[\w-]{22}$/);
    expect(b?.id).toBe(a?.id);
    expect(b?.requester?.token).toBe(a?.requester?.token);
    expect(a?.requester).toMatchObject({ role: 'physician' });
  });

  it('scrubs the text, defaults the system and refuses an unknown channel', () => {
    const [event] = eventsOf(normalizeHelpdesk({ channel: 'chat', text: 'pt Sanford861, Carolee951 wristband blank, call 555-657-5098', requester: 'x' }, context));

    expect(event).toMatchObject({ system: 'unknown', symptom: 'pt [redacted:name] wristband blank, call [redacted:phone]' });
    expect(normalizeHelpdesk({ channel: 'fax', text: 't', requester: 'x' }, context)).toMatchObject({ ok: false, field: 'channel' });
    expect(normalizeHelpdesk({ channel: 'chat', text: 't' }, context)).toMatchObject({ ok: false, field: 'requester' });
  });
});
