import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainOutbox, minutes, startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { canonical, getJson, postJson } from './support/harness.js';
import { recorded, RecordedHelpdesk } from './support/recorded-helpdesk.js';

// corral with a ServiceNow helpdesk (answering as its documentation records, test/fixtures/):
// the storm's ticket is one ServiceNow incident written by the relay, corral keeps its sys_id, and
// ServiceNow's own state changes come back through the callback route (a business rule's outbound
// REST call) as resolve and reopen, once, audited, never told back. What a caller gets wrong in
// that call is refused with a reason and changes nothing.

let h: ClockedCorral | undefined;
let helpdesk: RecordedHelpdesk;

afterEach(async () => {
  await stopClockedCorral(h);
  h = undefined;
  await helpdesk?.close();
});

const nack = (n: number) => canonical({ id: `nack-${n}`, kind: 'interface', source: { type: 'hl7', system: 'rhapsody' }, system: 'rhapsody', facility: 'lakeside', errorSignature: 'AE HL70357:207', symptom: 'Route LAB_ORU_IN: code translation lookup unavailable', severity: 'high' });

const drain = async () => (h ? drainOutbox(h, 30_000) : undefined);

describe('helpdesk: ServiceNow through its Table API, and its state changes back', () => {
  it('opens one ServiceNow incident for a storm, and takes ServiceNow’s resolve and reopen back once each, without echo; bad callbacks are refused and change nothing', async () => {
    helpdesk = await RecordedHelpdesk.start();
    const file = join(mkdtempSync(join(tmpdir(), 'corral-sn-')), 'helpdesk.yaml');
    writeFileSync(file, ['helpdesks:', `  - { name: servicenow, kind: servicenow, url: "${helpdesk.url}", user: svc_corral, tokenEnv: CORRAL_TEST_SN_PASSWORD, queueMap: { integration: Integration }, maxAttempts: 5 }`, 'relay: { backoffBase: 10ms, backoffMax: 50ms }'].join('\n'));
    h = await startClockedCorral({ CORRAL_HELPDESK_FILE: file, CORRAL_TEST_SN_PASSWORD: 'example-not-a-secret' });
    helpdesk
      .expect('GET', /^\/api\/now\/table\/incident\?/, recorded('servicenow', 'find-none'))
      .expect('GET', /^\/api\/now\/table\/sys_user_group\?/, recorded('servicenow', 'find-group'))
      .expect('POST', /^\/api\/now\/table\/incident$/, recorded('servicenow', 'create-incident'))
      // A ward's own ServiceNow incident, relayed as a report: found by its number, made a child.
      .expect('GET', /^\/api\/now\/table\/incident\?sysparm_query=number%3DINC0010003/, recorded('servicenow', 'find-by-number'), () => ({ result: [{ sys_id: '3a1f9c7e4f9e8210b5d6c7e8f9a0b1c2', number: 'INC0010003' }] }))
      .expect('PATCH', /^\/api\/now\/table\/incident\/3a1f9c7e4f9e8210b5d6c7e8f9a0b1c2$/, recorded('servicenow', 'set-parent'));

    await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, Array.from({ length: 30 }, (_, i) => nack(i)));
    // Through the real intake and privacy table: a ServiceNow number is kept as the record key it is.
    const ward = await postJson(`${h.corral.baseUrl}/v1/ingest/helpdesk?wait=correlated`, { id: 'INC0010003', helpdesk: 'servicenow', channel: 'portal', text: 'Lab results not crossing into the chart', requester: 'ward.4w@lakeside.example', system: 'rhapsody', facility: 'lakeside' });
    expect(ward.status).toBe(202);
    // Hostile reports beside it are refused with a reason, and take nothing else down.
    const hostile = [
      { id: 'INC0010004', helpdesk: 'servicenow', channel: 'portal', text: 'x', requester: 'a@b.example', occurredAt: '0000-01-01T00:00:00Z' },
      { id: 'INC0010005', helpdesk: 'servicenow\u0000', channel: 'portal', text: 'x', requester: 'a@b.example' },
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    ];
    for (const body of hostile) {
      const answer = await postJson<{ message?: string }>(`${h.corral.baseUrl}/v1/ingest/helpdesk?wait=correlated`, body);
      expect([answer.status >= 400 && answer.status < 500, typeof answer.body.message]).toEqual([true, 'string']);
    }
    h.clock.set(minutes(1));
    await h.timekeeper.poll();
    await drain();
    expect(helpdesk.pending).toEqual([]);
    const { body: list } = await getJson<{ items: Array<{ id: string }> }>(`${h.corral.baseUrl}/v1/incidents`);
    const incidentId = list.items[0]?.id;
    const { body: detail } = await getJson<{ helpdeskTickets: Array<{ destination: string; id: string }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}`);
    const sysId = 'c537bae64f411200adf9f8e18110c76e';
    expect(detail.helpdeskTickets).toMatchObject([{ destination: 'helpdesk:servicenow', id: sysId }]);

    const { key } = await h.corral.mintKey('agent', { label: 'servicenow business rule' });
    const callback = (body: unknown, auth: { key?: string } = { key }) => postJson<{ outcome?: string; error?: { message: string } }>(`${h?.corral.baseUrl}/v1/helpdesks/servicenow/ticket-events`, body, auth);

    // What a caller gets wrong: refused with a reason, nothing changes.
    const refusals = [
      [await callback({ ticket: sysId }), 400],
      [await callback({ ticket: sysId, status: "6'; DROP TABLE incident;--" }), 400],
      [await callback({ ticket: `${sysId}/../../x`, status: '6' }), 400],
      [await callback({ ticket: 'x'.repeat(65), status: '6' }), 400],
      [await callback([{ ticket: sysId, status: '6' }]), 400],
      [await callback({ ticket: sysId, status: '6', actor: 'kim smith <kim@hospital.example>' }), 400],
      [await callback({ ticket: `${sysId}\u0000`, status: '6' }), 400],
      [await callback({ ticket: sysId, status: '6\uD83D' }), 400],
      [await callback({ ticket: sysId, status: '6', actor: 'Carolee951 Sanford861' }), 400],
      [await callback(`${'{"ticket":'.repeat(5000)}1${'}'.repeat(5000)}`), 400],
      [await callback({ ticket: 'ffffffffffffffffffffffffffffffff', status: '6' }), 404],
      [await postJson(`${h.corral.baseUrl}/v1/helpdesks/jira/ticket-events`, { ticket: sysId, status: '6' }, { key }), 404],
      [await callback({ ticket: sysId, status: '6' }, { key: (await h.corral.mintKey('ingest')).key }), 403],
    ] as const;
    expect(refusals.map(([answer]) => answer.status)).toEqual(refusals.map(([, status]) => status));
    for (const [answer] of refusals) expect(JSON.stringify(answer.body)).toMatch(/"message"/);
    expect((await getJson<{ status: string }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}`)).body.status).toBe('open');
    // Taken back up while it is open (New): no change.
    expect((await callback({ ticket: sysId, status: 'New' })).body.outcome).toBe('unchanged');

    // The agent resolves it in ServiceNow (state 6): resolved in corral, once; twice is unchanged.
    expect((await callback({ ticket: sysId, status: '6', actor: 'kim.lee' })).body.outcome).toBe('resolved');
    expect((await callback({ ticket: sysId, status: 'Resolved', actor: 'kim.lee' })).body.outcome).toBe('unchanged');
    await drain();
    // Reopened there (In Progress): reopened here.
    expect((await callback({ ticket: sysId, status: 'In Progress', actor: 'kim.lee' })).body.outcome).toBe('reopened');
    await drain();
    // Neither was told back to ServiceNow: its own parent/child sync does the children.
    // Five calls in all, the open and the adoption: nothing after.
    expect(helpdesk.received).toHaveLength(5);
    expect(helpdesk.received[4]?.body).toEqual({ parent_incident: sysId });

    const { body: timeline } = await getJson<{ items: Array<{ kind: string; data: Record<string, unknown> }> }>(`${h.corral.baseUrl}/v1/incidents/${incidentId}/timeline`);
    expect(timeline.items.filter((e) => e.kind === 'incident.resolved').map((e) => e.data)).toEqual([expect.objectContaining({ by: 'servicenow business rule for servicenow:kim.lee', origin: 'helpdesk:servicenow' })]);
    expect(timeline.items.filter((e) => e.kind === 'incident.reopened')).toHaveLength(1);
  }, 120_000);
});
