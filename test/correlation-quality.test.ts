import { runScenario, type ScenarioResult } from '../src/modules/rules/evaluation/evaluate.js';
import { parseScenario, readScenarios } from '../src/modules/rules/evaluation/scenario.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRules, shippedRulesDir } from '../src/modules/rules/rule-files.js';

// Each class of problem issue 25 names, as a small storm through the shipped rules, the real
// adapters and the correlator (the path `npm run eval` takes). The big labeled set is eval/.

const rules = loadRules();

function alert(system: string, facility: string, alertname: string, summary: string, extra: Record<string, string> = {}) {
  return {
    receiver: 'corral',
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels: { alertname, system, facility, severity: 'critical', ...extra },
        annotations: { summary },
        startsAt: '2026-11-24T07:00:00Z',
        fingerprint: `${system}-${facility}-${alertname}`.toLowerCase().replace(/[^a-z0-9]/g, ''),
      },
    ],
  };
}

const report = (id: string, text: string, facility: string, requester: string, system?: string) => ({ id, channel: 'phone', text, requester, facility, ...(system ? { system } : {}) });

async function run(items: Array<{ at: string; incident: string; source: string; body: unknown }>, incidents: Record<string, string>, using = rules): Promise<ScenarioResult> {
  const scenario = parseScenario(
    { name: 'case', start: '2026-11-24T07:00:00Z', incidents: Object.fromEntries(Object.entries(incidents).map(([k, queue]) => [k, { queue }])), items },
    'case.yaml',
  );
  const result = await runScenario(scenario, using);
  expect(result.refused).toEqual([]);
  return result;
}

/** An Okta event hook delivering one System Log event about one person. */
function okta(eventType: string, login: string, uuid: string, published: string) {
  return {
    eventType: 'com.okta.event_hook',
    data: {
      events: [
        {
          uuid,
          published,
          eventType,
          displayMessage: eventType,
          severity: 'WARN',
          actor: { id: `00u-${login}`, type: 'User', alternateId: login },
          target: [{ id: `00u-${login}`, type: 'User', alternateId: login }],
          outcome: { result: eventType === 'user.account.lock' ? 'SUCCESS' : 'FAILURE' },
        },
      ],
    },
  };
}

describe('one outage, one ticket (shipped rules)', () => {
  it('makes an EHR outage seen at three facilities, by alerts and by reports that name it only in words, one incident with one ticket', async () => {
    const result = await run(
      [
        { at: '0s', incident: 'ehr', source: 'alertmanager', body: alert('epic-hyperspace', 'lakeside', 'HyperspaceProbeFailed', 'Hyperspace web probe failing: HTTP 503', { patient_impact: 'true' }) },
        { at: '20s', incident: 'ehr', source: 'alertmanager', body: alert('EPIC', 'NORTHGATE', 'EpicLoginTimeout', 'Epic login page timed out', { patient_impact: 'true' }) },
        { at: '40s', incident: 'ehr', source: 'alertmanager', body: alert('epic', 'Riverbend', 'HyperspaceProbeFailed', 'Hyperspace web probe failing: HTTP 503', { patient_impact: 'true' }) },
        { at: '1m', incident: 'ehr', source: 'helpdesk', body: report('r1', 'Epic is frozen on 4 West', 'lakeside', 'rn.ames@lakeside.example') },
        { at: '70s', incident: 'ehr', source: 'helpdesk', body: report('r2', "can't get into Hyperspace, spinning wheel", 'northgate', 'md.brook@northgate.example') },
        { at: '80s', incident: 'ehr', source: 'helpdesk', body: report('r3', 'Haiku will not load any patient lists', 'RIVERBEND', 'rn.cole@riverbend.example') },
      ],
      { ehr: 'major-incident' },
    );
    const live = result.incidents.filter((i) => Object.keys(i.truth).length > 0);
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({ system: 'epic-hyperspace', ticketsOpened: 1 });
    expect([...live[0].facilities].sort()).toEqual(['lakeside', 'northgate', 'riverbend']);
    expect(result.score).toMatchObject({ f1: 1, exactlyOneTicket: 1 });
  });

  it('keeps the same symptom on local printers at two facilities two incidents, each for its own desk', async () => {
    const result = await run(
      [
        { at: '0s', incident: 'lakeside', source: 'alertmanager', body: alert('zebra-printer-exporter', 'lakeside', 'PrinterNotReady', 'Label printer not ready for 2 minutes') },
        { at: '10s', incident: 'riverbend', source: 'alertmanager', body: alert('zebra-printer-exporter', 'riverbend', 'PrinterNotReady', 'Label printer not ready for 2 minutes') },
      ],
      { lakeside: 'facility-desk.lakeside', riverbend: 'facility-desk.riverbend' },
    );
    expect(result.score).toMatchObject({ groups: 2, f1: 1, routing: 1 });
  });

  it('joins the same problem on a system of unknown scope seen at a second facility within the spread window (a site turns the rule on), and keeps a different problem apart', async () => {
    const site = mkdtempSync(join(tmpdir(), 'corral-spread-'));
    writeFileSync(join(site, 'spread.yaml'), 'spread:\n  - { id: spread.same-problem-two-sites, version: 1, match: { kinds: [alert, interface] }, within: 15m }\n');
    const result = await run(
      [
        { at: '0s', incident: 'vendor', source: 'alertmanager', body: alert('dictation-cloud', 'lakeside', 'DictationUploadErrors', 'Dictation uploads failing with 401') },
        { at: '2m', incident: 'vendor', source: 'alertmanager', body: alert('dictation-cloud', 'northgate', 'DictationUploadErrors', 'Dictation uploads failing with 401') },
        { at: '3m', incident: 'other', source: 'alertmanager', body: alert('dictation-cloud', 'riverbend', 'DictationLicenseExpiring', 'Dictation licence expires in 7 days') },
      ],
      { vendor: 'service-desk', other: 'service-desk' },
      loadRules(`${shippedRulesDir()}:${site}`),
    );
    expect(result.score).toMatchObject({ groups: 2, f1: 1 });
    expect(result.incidents.find((i) => i.truth.vendor)?.facilities).toEqual(['lakeside', 'northgate']);
  });

  it('keeps two different problems on one PACS apart, and one problem told in different words together', async () => {
    const result = await run(
      [
        { at: '0s', incident: 'backlog', source: 'alertmanager', body: alert('pacs', 'lakeside', 'DicomRoutingQueueDepth', 'DICOM routing queue above 4000 studies') },
        { at: '10s', incident: 'disk', source: 'alertmanager', body: alert('Sectra', 'LAKESIDE', 'ArchiveDiskSpaceLow', 'Archive volume 92% full') },
        { at: '20s', incident: 'backlog', source: 'alertmanager', body: alert('pacs', 'lakeside', 'DicomRoutingQueueDepth', 'DICOM routing queue above 5000 studies', { instance: 'router-2' }) },
      ],
      { backlog: 'application-support', disk: 'application-support' },
    );
    expect(result.score).toMatchObject({ groups: 2, f1: 1, routing: 1 });
  });

  it('takes a ward saying it is on paper as care affected: a shared outage at two sites is then the major-incident team’s', async () => {
    const items = (care: boolean) => [
      { at: '0s', incident: 'ehr', source: 'alertmanager', body: alert('epic', 'lakeside', 'EpicProbeFailed', 'Hyperspace login probe failed') },
      { at: '30s', incident: 'ehr', source: 'helpdesk', body: report('r1', 'Epic is frozen on 4 West', 'lakeside', 'rn.a@lakeside.example') },
      { at: '60s', incident: 'ehr', source: 'helpdesk', body: report('r2', care ? 'Epic down at Northgate, we are on paper' : 'Epic down at Northgate', 'northgate', 'rn.b@northgate.example') },
    ];
    expect((await run(items(true), { ehr: 'major-incident' })).score.routing).toBe(1);
    expect((await run(items(false), { ehr: 'major-incident' })).score.routing).toBe(0);
  });

  it('makes a certificate that breaks connections now part of the outage, and one about to expire upkeep of its own', async () => {
    const result = await run(
      [
        { at: '0s', incident: 'sso-down', source: 'alertmanager', body: alert('imprivata', 'lakeside', 'TLSCertChainInvalid', 'Certificate chain served by sso.example is incomplete (issuer not found)') },
        { at: '20s', incident: 'sso-down', source: 'alertmanager', body: alert('imprivata', 'northgate', 'OneSignAuthFailureRateHigh', 'OneSign authentications failing: TLS handshake failed (unable to get local issuer certificate)') },
        { at: '40s', incident: 'expiring', source: 'alertmanager', body: alert('imprivata', 'lakeside', 'CertificateExpiringSoon', 'Certificate for sso-test.example expires in 14 days') },
      ],
      { 'sso-down': 'identity-access', expiring: 'identity-access' },
    );
    expect(result.score).toMatchObject({ groups: 2, f1: 1 });
  });

  it('lets NACKs an engine writes in capitals meet the report that names the engine in words, for the integration team', async () => {
    const nack = (n: number) =>
      `MSH|^~\\&|RHAPSODY|LAKESIDE|SUNQUEST|LAKESIDE_LAB|20261124070${n}00+0000||ACK^R01^ACK|ACK${n}|P|2.5.1\rMSA|AE|MSG${n}\rERR||OBX^1^3|207^Application internal error^HL70357|E||||lookup unavailable`;
    const result = await run(
      [
        { at: '0s', incident: 'interface', source: 'hl7', body: nack(1) },
        { at: '30s', incident: 'interface', source: 'hl7', body: nack(2) },
        { at: '1m', incident: 'interface', source: 'helpdesk', body: report('r1', 'lab results are not crossing, is the Rhapsody interface down?', 'Lakeside', 'rn.dale@lakeside.example') },
      ],
      { interface: 'integration' },
    );
    expect(result.score).toMatchObject({ groups: 1, f1: 1, routing: 1, exactlyOneTicket: 1 });
  });

  it("routes unknown-patient NACKs (HL7 table 0357 code 204, as the adapter writes it) to HIM, and BCMA scanners to biomed", async () => {
    const him = `MSH|^~\\&|RHAPSODY|LAKESIDE|EPIC|LAKESIDE|20261124070000+0000||ACK^A08^ACK|A1|P|2.5.1\rMSA|AE|M1\rERR||PID^1^3|204^Unknown key identifier^HL70357|E`;
    const result = await run(
      [
        { at: '0s', incident: 'him', source: 'hl7', body: him },
        { at: '10s', incident: 'bcma', source: 'alertmanager', body: alert('bcma-scanners', 'lakeside', 'ScannerDecodeFailures', 'Wristband decode failures above 20%') },
      ],
      { him: 'him', bcma: 'biomed' },
    );
    expect(result.score.routing).toBe(1);
  });

  it('puts a person’s "can’t log in to Epic" with their account trouble in both orders: a lockout logged after the call pulls the report over', async () => {
    const result = await run(
      [
        // An Epic slowness incident is live at the same site: the reports name Epic.
        { at: '0s', incident: 'epic', source: 'alertmanager', body: alert('epic-hyperspace', 'northgate', 'EpicLoginSlow', 'Synthetic Hyperspace login took 94s') },
        // First order: the MFA failure, then the report.
        { at: '30s', incident: 'push-patel', source: 'okta', body: okta('user.mfa.okta_verify.deny_push', 'rn.patel@northgate.example', 'u-1', '2026-11-24T07:00:30Z') },
        { at: '60s', incident: 'push-patel', source: 'helpdesk', body: report('r1', "can't log in to Epic, my phone never gets the push", 'northgate', 'rn.patel@northgate.example', 'epic') },
        // Second order: the report, then the lockout two minutes later. Another person's other
        // trouble: an incident of its own (one person's account trouble is nobody else's).
        { at: '90s', incident: 'lockout-okafor', source: 'helpdesk', body: report('r2', "can't log in to Epic", 'northgate', 'md.okafor@northgate.example', 'epic') },
        { at: '210s', incident: 'lockout-okafor', source: 'okta', body: okta('user.account.lock', 'md.okafor@northgate.example', 'u-2', '2026-11-24T07:03:30Z') },
      ],
      { epic: 'application-support', 'push-patel': 'identity-access', 'lockout-okafor': 'identity-access' },
    );
    expect(result.score).toMatchObject({ f1: 1, routing: 1 });
    const epic = result.incidents.find((i) => i.system === 'epic-hyperspace');
    expect(epic?.truth).toEqual({ epic: 1 });
  });

  it('fires every shipped routing and priority rule on at least one case (the eval storms and these): a rule that never can is found here', async () => {
    const fired = new Set<string>();
    const note = (result: ScenarioResult) => result.incidents.forEach((i) => fired.add(i.routingRule).add(i.priorityRule));
    for (const scenario of readScenarios('eval/scenarios')) note(await runScenario(scenario, rules));
    note(
      await run(
        [
          { at: '0s', incident: 'vent', source: 'alertmanager', body: alert('ventilator-icu-3', 'lakeside', 'VentilatorDisconnected', 'Ventilator lost its gateway connection', { severity: 'warning' }) },
          { at: '5s', incident: 'iface', source: 'alertmanager', body: alert('radiology-interface', 'lakeside', 'OrdersNotAcked', 'Radiology orders not acknowledged', { severity: 'warning' }) },
          { at: '10s', incident: 'sso', source: 'alertmanager', body: alert('sso-gateway', 'lakeside', 'SamlAssertionErrors', 'SAML assertion errors', { severity: 'warning' }) },
          // Badge tap-in failing at three sites, no ward yet saying care is hurt (route.major-incident-sso).
          ...['lakeside', 'riverbend', 'northgate'].map((site) => ({ at: '11s', incident: 'badge', source: 'alertmanager' as const, body: alert('imprivata-onesign', site, 'ImprivataAgentAuthFailures', 'Badge tap authentications failing', { severity: 'warning' }) })),
          // The engine's own monitor: an alert (not an interface error) on a system classed interface-engine.
          { at: '12s', incident: 'engine', source: 'alertmanager', body: alert('mirth', 'lakeside', 'MirthJvmHeapHigh', 'Mirth JVM heap above 90%', { severity: 'warning' }) },
          // A records error known only by its HL7 code (its words are not route.him's).
          {
            at: '15s',
            incident: 'records',
            source: 'canonical',
            body: [{ schemaVersion: '1', patientImpact: false, id: 'nack-205', kind: 'interface', source: { type: 'canonical', system: 'engine' }, occurredAt: '2026-11-24T07:00:15Z', status: 'firing', severity: 'medium', system: 'orders-feed', facility: 'lakeside', errorSignature: 'AE HL70357:205', symptom: 'Duplicate key identifier on the order' }],
          },
          ...Array.from({ length: 10 }, (_, n) => ({
            at: `${20 + n}s`,
            incident: 'crowd',
            source: 'helpdesk',
            body: report(`c${n}`, 'the scheduling app shows the wrong clinic hours', 'lakeside', `clerk${n}@lakeside.example`, 'scheduling-app'),
          })),
        ],
        { vent: 'biomed', iface: 'integration', sso: 'identity-access', badge: 'major-incident', engine: 'integration', records: 'him', crowd: 'service-desk' },
      ),
    );
    const shipped = [...rules.routing, ...rules.priority].map((rule) => rule.id);
    expect(shipped.filter((id) => !fired.has(id))).toEqual([]);
  });
});
