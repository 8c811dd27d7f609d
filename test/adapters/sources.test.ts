import { codeToken, eventIdToken } from '../../src/correlation/privacy.js';
import { requesterToken } from '../../src/correlation/requester-token.js';
import { pagerDutySystem } from '../../src/modules/ingest/sources/pagerduty.js';
import { apiFetch, eventually, TOKEN_KEY, useCorralSuite } from '../support/harness.js';
import { deadLetters, feed, incidents, fixture, fixtureJson, holding, HL7_TYPE, post, settled, type Transport } from './adapter-support.js';

// Every source format, fed with the real or documented payloads in test/fixtures (see SOURCES.md),
// through HTTP and through NATS JetStream; the assertions are on the incidents corral built.
describe.each<Transport>(['http', 'nats'])('source adapters over %s', (transport) => {
  const suite = useCorralSuite();
  const send = (source: string, body: string, contentType?: string) => feed(suite, transport, source, body, contentType);

  it('Alertmanager: one child per alert, id <fingerprint>:<startsAt>, a resend is an exact duplicate, the resolve closes the same child', async () => {
    await send('alertmanager', fixture('alertmanager/webhook-v4-1.json'));
    // Alertmanager repeats a firing alert every repeat_interval, same startsAt: the inbox knows it by its dedup key.
    await send('alertmanager', fixture('alertmanager/webhook-v4-1.json'));

    const lab = await holding(suite, 'ef37b98529905a39:2026-11-23T19:46:47Z');
    expect(lab.incident).toMatchObject({ system: 'adt-feed', status: 'open', severity: 'critical', facilities: ['overlake'] });
    // "Interface down" is the degraded problem class (config/rules/08-problems.yaml): one incident for every way a monitor says so.
    expect(lab.incident.signature).toBe('adt-feed|~degraded|overlake');
    expect(lab.child).toMatchObject({ kind: 'alert', status: 'firing', repeats: 0, source: { type: 'alertmanager' } });
    expect((await holding(suite, '410b1823072b63b0:2026-11-23T19:46:47Z')).incident.id).toBe(lab.incident.id);

    await send('alertmanager', fixture('alertmanager/webhook-v4-3.json'));
    const after = await eventually(() => holding(suite, 'ef37b98529905a39:2026-11-23T19:46:47Z'), (h) => h.child.status === 'resolved');
    expect(after.incident.status).toBe('open');
    expect(after.incident.children.find((c) => c.id === eventIdToken(TOKEN_KEY, '410b1823072b63b0:2026-11-23T19:46:47Z'))?.status).toBe('firing');

    await send('alertmanager', fixture('alertmanager/webhook-v4-2.json'));
    const printer = await holding(suite, '28f16835c8dbbd06:2026-11-23T19:46:47Z');
    expect(printer.incident).toMatchObject({ system: 'zebra-wristband', severity: 'medium', facilities: ['evergreen'], departments: ['emergency'] });
  });

  it('Grafana: each alert of the docs payload is a child; the resolved payload resolves', async () => {
    await send('grafana', fixture('grafana/webhook-firing-docs.json'));
    const memory = await holding(suite, 'c6eadffa33fcdf37:2021-10-12T09:51:03.157076+02:00');
    expect(memory.incident).toMatchObject({ system: codeToken(TOKEN_KEY, 'High memory usage'), status: 'open', title: 'This alert was triggered for zone us-1' });
    expect(memory.child.source.type).toBe('grafana');
    expect((await holding(suite, 'bc97ff14869b13e3:2021-10-12T09:56:03.157076+02:00')).incident.system).toBe(codeToken(TOKEN_KEY, 'High CPU usage'));

    await send('grafana', fixture('grafana/webhook-resolved-zulip-fixture.json'));
    const resolved = await holding(suite, 'd8a21484c9c25a60:2022-06-17T00:41:00.782137894Z');
    expect([resolved.child.status, resolved.incident.status]).toEqual(['resolved', 'resolved']);
  });

  it('PagerDuty Events v2: trigger by dedup_key, acknowledge changes nothing, resolve closes the child', async () => {
    const trigger = fixtureJson('pagerduty/trigger-openapi.json');
    if (transport === 'http') {
      const reply = await post(suite, '/v1/ingest/pagerduty', JSON.stringify(trigger));
      expect(reply).toEqual({ status: 202, body: { status: 'success', message: 'Event processed', dedup_key: 'srv01/mysql' } });
    } else {
      await send('pagerduty', JSON.stringify(trigger));
    }
    const opened = await holding(suite, 'srv01/mysql');
    expect(opened.incident).toMatchObject({ system: 'mysql', severity: 'critical', status: 'open', title: 'DISK at 99% on machine prod-datapipe03.example.com' });
    expect(opened.child.source).toEqual({ type: 'pagerduty', system: pagerDutySystem(trigger.routing_key as string) });

    const sameKeys = { routing_key: trigger.routing_key, dedup_key: 'srv01/mysql' };
    await send('pagerduty', JSON.stringify({ ...fixtureJson('pagerduty/acknowledge-docs.json'), ...sameKeys }));
    expect((await holding(suite, 'srv01/mysql')).child.status).toBe('firing');

    await send('pagerduty', JSON.stringify({ ...fixtureJson('pagerduty/resolve-docs.json'), ...sameKeys }));
    const closed = await eventually(() => holding(suite, 'srv01/mysql'), (h) => h.child.status === 'resolved');
    expect([closed.incident.id, closed.incident.status]).toEqual([opened.incident.id, 'resolved']);

    await send('pagerduty', fixture('pagerduty/trigger-docs.json'));
    expect((await holding(suite, 'samplekeyhere')).incident).toMatchObject({ system: 'postgres', severity: 'info' });
  });

  it('Mirth: a channel error becomes an interface event; the same alert twice is one child', async () => {
    await send('mirth', fixture('mirth/alert-destination-error.json'));
    await send('mirth', fixture('mirth/alert-destination-error.json'));
    await send('mirth', fixture('mirth/alert-serializer-error-minimal.json'));

    // Codes are kept in lower case (compared without case everywhere).
    const all = await eventually(() => incidents(suite), (list) => list.some((i) => i.system === 'pharm_in'));
    // ADT_OUT_LAB refusing connections is down: a channel no rule declares that is down is its
    // engine's outage (names.ts); PHARM_IN's serializer error is that channel's own content.
    const adt = all.find((i) => i.system === 'mirth');
    expect(adt?.children).toHaveLength(1);
    // The same alert posted twice is an exact resend: kept once by the inbox, not even a repeat.
    expect(adt?.children[0]).toMatchObject({ kind: 'interface', repeats: 0, severity: 'high', source: { type: 'mirth', system: 'mirth-0b7e6d2a-58c1-4b8f-a1f4-7c2d3e9f0a11' } });
    // A destination that refuses connections is the feed down: the degraded problem class (config/rules/08-problems.yaml).
    expect(adt?.signature).toBe('mirth|~degraded|*');
    expect(all.find((i) => i.system === 'pharm_in')?.signature).toContain('serializerexception');
  });

  it('HL7 v2: AE/AR NACKs become interface events with sending app and facility, AA is ignored, a non-ACK is refused', async () => {
    await send('hl7', fixture('hl7/ack-ae-err-nist-iz.hl7'), HL7_TYPE);
    await send('hl7', fixture('hl7/ack-ar-err-hl7-v2xml-spec-example.hl7'), 'text/plain');
    await send('hl7', fixture('hl7/ack-ae-camel-mllp.hl7'), HL7_TYPE);

    const nist = await holding(suite, 'hl7:NISTIISAPP:NISTIISFAC:NIST-IZ-AD-7.2_Receive_ACK_Z23:NIST-IZ-AD-7.1_Send_V04_Z22:AE');
    expect(nist.incident).toMatchObject({ system: 'nistiisapp', facilities: ['nistiisfac'], severity: 'high' });
    expect(nist.incident.signature).toContain('ae hl70357:999');
    expect(nist.incident.title).toContain('Vaccine code not recognized');
    const lab = await holding(suite, 'hl7:LAB:767543:XX3657:ZZ9380:AR');
    expect(lab.incident.signature).toContain('ar hl70357:103');
    expect((await holding(suite, 'hl7:INHOUSE:RTH00:00001:00001:AE')).child.kind).toBe('interface');

    if (transport === 'http') {
      const accepted = await post(suite, '/v1/ingest/hl7', fixture('hl7/ack-aa-camel-mllp.hl7'), HL7_TYPE);
      expect(accepted).toEqual({ status: 202, body: { accepted: 0, duplicates: 0, ignored: 1, rejected: [] } });
      const adt = await post(suite, '/v1/ingest/hl7', fixture('hl7/adt-a01-ms-fhir-converter.hl7'), HL7_TYPE);
      expect([adt.status, adt.body.message]).toEqual([400, expect.stringContaining('MSA')]);
    } else {
      await send('hl7', fixture('hl7/ack-aa-camel-mllp.hl7'));
      await send('hl7', fixture('hl7/adt-a01-ms-fhir-converter.hl7'));
      const letters = await deadLetters(suite);
      expect(letters.map((l) => [l.source, l.reason])).toEqual([['hl7', 'invalid']]);
      expect(letters[0]?.detail).toContain('MSA');
      // The ADT's patient segments never reach the dead letter.
      expect(letters[0]?.body).not.toMatch(/EVERYMAN|NUCLEAR|HOME STREET|123456789/);
    }
  });

  it('SCIM SETs (RFC 9967): joiner, leaver, reactivation and group change become identity events for the account', async () => {
    for (const name of ['set-create-full', 'set-delete', 'set-activate', 'set-patch-full', 'set-put-full']) await send('scim', fixture(`scim/${name}.json`));

    const created = await holding(suite, '4d3559ec67504aaba65d40b0363faad8:create:full');
    expect(created.incident).toMatchObject({ system: 'scim.example.com' });
    // A joiner is an account change too (account-change v4): a reactivation's Okta copy says "activate".
    expect(created.incident.signature).toContain('~account-change');
    expect(created.child).toMatchObject({ kind: 'identity', requesterToken: requesterToken(TOKEN_KEY, 'jdoe') });
    // Deletion, deactivation and role changes are one class of account change (08-problems.yaml: account-change).
    expect((await holding(suite, '6164f3bbf6ff41a88dc94f18cb0620e8:delete')).incident.signature).toContain('~account-change');
    // A reactivation is the same account change being undone (account-change v2), not an incident of its own.
    expect((await holding(suite, '6164f3bbf6ff41a88dc94f18cb0620e8:activate')).incident.signature).toContain('~account-change');
    const member = await holding(suite, '6164f3bbf6ff41a88dc94f18cb0620e8:patch:full:2819c223-7f76-453a-919d-413861904646');
    expect(member.incident.signature).toContain('~account-change');
    expect((await holding(suite, '6164f3bbf6ff41a88dc94f18cb0620e8:put:full')).child.requesterToken).toBe(requesterToken(TOKEN_KEY, 'JDoe '));
  });

  it('Okta event hook: a deactivation is an identity event for the target account; a session start is ignored', async () => {
    await send('okta', fixture('okta/event-hook-request-docs.json'));
    await send('okta', fixture('okta/event-hook-deactivate-composed.json'));

    const leaver = await holding(suite, 'ab62c0bc-2837-11eb-9823-9fb8f750c5a9');
    expect(leaver.incident).toMatchObject({ system: 'okta', title: 'Deactivate Okta User' });
    expect(leaver.incident.signature).toContain('~account-change');
    expect(leaver.child).toMatchObject({ kind: 'identity', requesterToken: requesterToken(TOKEN_KEY, 'John.Doe@example.com') });
    const sessions = await incidents(suite);
    expect(sessions.flatMap((i) => i.children).some((c) => c.id === 'f790999f-fe87-467a-9880-6982a583986c')).toBe(false);
    if (transport === 'http') {
      const response = await apiFetch(`${suite.corral.baseUrl}/v1/ingest/okta`, { headers: { 'X-Okta-Verification-Challenge': 'value_from_header' } });
      expect([response.status, await response.json()]).toEqual([200, fixtureJson('okta/verification-response-docs.json')]);
    }
  });

  it('helpdesk reports: ticket id as event id, derived id when absent, requester tokenized, channel kept', async () => {
    for (const channel of ['phone', 'email', 'chat', 'portal']) await send('helpdesk', fixture(`helpdesk/report-${channel}.json`));
    await send('helpdesk', fixture('helpdesk/report-email.json'));

    const phone = await holding(suite, 'INC0012345');
    expect(phone.child).toMatchObject({ kind: 'report', source: { type: 'helpdesk', system: 'helpdesk' }, requesterToken: requesterToken(TOKEN_KEY, 'nurse.jones@overlake.example.org') });
    expect(phone.incident.facilities).toContain('overlake');
    const all = await incidents(suite);
    const emailChildren = all.flatMap((i) => i.children).filter((c) => c.requesterToken === requesterToken(TOKEN_KEY, 'drsmith'));
    expect(emailChildren).toHaveLength(1);
    expect(emailChildren[0]).toMatchObject({ kind: 'report', repeats: 1 });
    expect(emailChildren[0]?.id).toMatch(/^ev_[\w-]{22}$/);
    // "wristband printer … prints blank labels" names no system, but its words name a printer
    // (config/rules/05-systems.yaml), and the wristband printer at the same facility is down:
    // the report joins that incident instead of opening an `unknown` one.
    expect((await holding(suite, 'chat-88121')).incident.system).toBe('zebra-wristband');
    if (transport === 'nats') await settled(suite);
  });
});
