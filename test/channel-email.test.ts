import { jest } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Logger } from '@nestjs/common';
import { ImapFlow } from 'imapflow';
import { ChannelIntake } from '../src/modules/channels/channel-intake.js';
import { minutes, startClockedCorral, stopClockedCorral, type ClockedCorral } from './support/clocked-corral.js';
import { Dovecot } from './support/dovecot.js';
import { canonical, eventually, getJson, postJson } from './support/harness.js';
import { freePort } from './support/services.js';

// The e-mail channel against a real Dovecot IMAP server: mail delivered into the shared mailbox
// becomes a person's report through the real intake (privacy filter, tokens, correlation on real
// Postgres and NATS), is moved to corral/processed once kept, and nothing of the sender or of a
// patient named in it is kept in the clear.

const eml = (name: string) => readFileSync(join('test/fixtures/channels/email', name), 'utf8');
const PROCESSED = ['corral', 'processed'];
const FAILED = ['corral', 'failed'];

interface IncidentDetail {
  id: string;
  system: string;
  facilities: string[];
  distinctRequesters: number;
  children: Array<{ kind: string; source: { type: string; system: string }; facility?: string; repeats: number }>;
}

let dovecot: Dovecot | undefined;
let h: ClockedCorral | undefined;
let channelsDir: string | undefined;
/** What the e-mail channel logged (every level), to show what it says and what it never says. */
let said: string[] = [];

beforeEach(() => {
  said = [];
  for (const level of ['log', 'warn', 'error'] as const) {
    const original = Logger.prototype[level];
    jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, message: unknown, ...rest: unknown[]) {
      if (String(message).startsWith('email')) said.push(String(message));
      return original.call(this, message, ...rest);
    });
  }
});

afterEach(async () => {
  jest.restoreAllMocks();
  await stopClockedCorral(h);
  h = undefined;
  await dovecot?.stop();
  dovecot = undefined;
  if (channelsDir) rmSync(channelsDir, { recursive: true, force: true });
  channelsDir = undefined;
});

/** corral reading the Dovecot account on `port` (cleartext: a server on this machine), its poll long enough that only IDLE is quick. */
async function startReading(port: number, poll = '60s', password = 'dovecot-test-password'): Promise<ClockedCorral> {
  channelsDir = mkdtempSync(join(tmpdir(), 'corral-email-'));
  const file = join(channelsDir, 'channels.yaml');
  writeFileSync(
    file,
    ['email:', '  host: 127.0.0.1', `  port: ${port}`, '  tls: false', '  user: it-reports', '  passwordEnv: CORRAL_TEST_MAILBOX_PASSWORD', `  poll: ${poll}`, '  facilityByDomain: { lakeside.example: lakeside }'].join('\n'),
  );
  return startClockedCorral({ CORRAL_CHANNELS_FILE: file, CORRAL_TEST_MAILBOX_PASSWORD: password });
}

/** Resolves once the shared mailbox is empty and `processed` and `failed` hold that many messages. */
async function sorted(processed: number, failed = 0, timeoutMs = 20_000): Promise<void> {
  const server = dovecot as Dovecot;
  await eventually(
    async () => [(await server.messages('INBOX')).length, (await server.messages(PROCESSED)).length, (await server.messages(FAILED)).length],
    (counts) => counts.join() === [0, processed, failed].join(),
    timeoutMs,
  );
}

async function incidents(): Promise<IncidentDetail[]> {
  const base = h?.corral.baseUrl ?? '';
  const { body } = await getJson<{ items: Array<{ id: string }> }>(`${base}/v1/incidents?limit=50`);
  return Promise.all(body.items.map(async ({ id }) => (await getJson<IncidentDetail>(`${base}/v1/incidents/${id}`)).body));
}

const emailReports = (incident: IncidentDetail | undefined) => incident?.children.filter((c) => c.kind === 'report' && c.source.system === 'email') ?? [];

async function databaseDump(): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', h?.db.url ?? ''], { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

const epicAlert = (n: number) =>
  canonical({ id: `epic-probe-${n}`, kind: 'alert', source: { type: 'alertmanager', system: 'prometheus' }, system: 'epic', facility: 'lakeside', errorSignature: 'HyperspaceProbeFailed', symptom: 'Hyperspace web probe failing: HTTP 503', severity: 'critical' });

describe('the e-mail channel: a shared mailbox on a real Dovecot', () => {
  it('makes an e-mail delivered to Dovecot a report on the right incident and moves it to corral/processed; the same nurse’s reply, an out-of-office and a bounce make no report, a colleague’s reply a second reporter', async () => {
    dovecot = await Dovecot.start();
    h = await startReading(dovecot.port);
    const outage = await postJson(`${h.corral.baseUrl}/v1/events?wait=correlated`, [1, 2, 3].map(epicAlert));
    expect(outage.status).toBe(202);

    await dovecot.deliver(eml('epic-frozen.eml'), { arrivedAt: minutes(1) });
    await sorted(1);
    const ehr = await eventually(
      async () => (await incidents()).find((i) => emailReports(i).length > 0),
      (found) => found !== undefined,
    );
    expect(ehr).toMatchObject({ system: 'epic-hyperspace', facilities: ['lakeside'] });
    expect(emailReports(ehr)).toEqual([expect.objectContaining({ kind: 'report', source: { type: 'helpdesk', system: 'email' }, facility: 'lakeside' })]);
    expect(ehr?.children.filter((c) => c.kind === 'alert').length).toBeGreaterThan(0);
    expect(said).toContainEqual(`email: message 1 in INBOX: report joined incident ${ehr?.id}; moved to corral/processed`);

    await dovecot.deliver(eml('same-thread-reply.eml'), { arrivedAt: minutes(9) });
    await dovecot.deliver(eml('out-of-office.eml'), { arrivedAt: minutes(2) });
    await dovecot.deliver(eml('bounce.eml'), { arrivedAt: minutes(3) });
    await dovecot.deliver(eml('colleague-reply.eml'), { arrivedAt: minutes(4) });
    await sorted(5);
    const after = await eventually(
      async () => (await incidents()).find((i) => i.id === ehr?.id),
      (found) => emailReports(found).length === 2,
    );
    // Robin's first message and Dana's reply: Robin's own follow-up is a repeat of her report, the automatic mail nothing.
    expect(after?.distinctRequesters).toBe(2);
    expect(emailReports(after).map((c) => c.repeats).sort()).toEqual([0, 1]);
    expect((await incidents()).flatMap(emailReports)).toHaveLength(2);
    expect(said).toEqual(
      expect.arrayContaining([
        `email: message 2 in INBOX: report joined incident ${ehr?.id}; moved to corral/processed`,
        'email: message 3 in INBOX is automatic (Auto-Submitted: auto-replied): no report; moved to corral/processed',
        'email: message 4 in INBOX is automatic (Auto-Submitted: auto-replied): no report; moved to corral/processed',
      ]),
    );
  }, 120_000);

  it('takes an HTML-only message with an attachment as a report of its words, the attachment unread; moves a message without a sender to corral/failed; leaves a message whose report could not be kept for the next pass; sets aside one the server cannot hand over', async () => {
    dovecot = await Dovecot.start();
    h = await startReading(dovecot.port);
    await dovecot.deliver(eml('html-with-attachment.eml'), { arrivedAt: minutes(1) });
    await dovecot.deliver('Subject: who sent this?\n\nno From header at all\n', { arrivedAt: minutes(1) });
    // A 4 MB scan attached: read up to the reader's limit, the words before it kept.
    const scan = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\n');
    await dovecot.deliver(eml('html-with-attachment.eml').replace('<7E1D2C3B', '<large-7E1D2C3B').replace('prints blank labels', 'prints smeared labels').replace(/^iVBORw0KGgo.*$/m, scan), { arrivedAt: minutes(1) });
    await sorted(2, 1);
    expect(said).toContainEqual('email: message 2 in INBOX is not a report corral can take: it has no sender address (From); moved to corral/failed');
    const dump = await eventually(databaseDump, (d) => d.includes('wristband printer in ED triage prints blank labels'));
    expect(dump).toContain('Label printer in ED triage [1 attachment not read]');
    expect(dump).not.toContain('iVBORw0KGgo');
    expect(dump).not.toContain('IMG_0412');
    expect(dump).toContain('wristband printer in ED triage prints smeared labels');

    // The inbox cannot take the next report (full, the database down): the message stays where it is…
    const intake = h.corral.app.get(ChannelIntake);
    jest.spyOn(intake, 'report').mockRejectedValueOnce(new Error('the inbox is full'));
    await dovecot.deliver(eml('outlook-html-reply.eml'), { arrivedAt: minutes(2) });
    await eventually(() => Promise.resolve(said.some((line) => line.includes('its report could not be kept (the inbox is full)'))), (seen) => seen);
    expect((await dovecot.messages('INBOX')).length).toBe(1);
    // …and is taken on the next pass (new mail rings it here; the poll would too).
    await dovecot.deliver(eml('epic-frozen.eml'), { arrivedAt: minutes(3) });
    await sorted(4, 1);
    expect(await databaseDump()).toContain('Images take over a minute to open in reading room 2.');

    // A message the server cannot hand over (the connection still up) goes to corral/failed, and holds nothing up.
    jest.spyOn(ImapFlow.prototype, 'fetchOne').mockRejectedValueOnce(new Error('unreadable FETCH answer'));
    await dovecot.deliver(eml('colleague-reply.eml'), { arrivedAt: minutes(4) });
    await dovecot.deliver(eml('same-thread-reply.eml'), { arrivedAt: minutes(5) });
    await sorted(5, 2);
    expect(said).toContainEqual('email: message 6 in INBOX cannot be fetched (unreadable FETCH answer); moved to corral/failed');
  }, 120_000);

  it('keeps neither the patient a message names (subject and body, encoded) nor the sender’s address in the clear in the database or its log lines', async () => {
    dovecot = await Dovecot.start();
    h = await startReading(dovecot.port);
    await dovecot.deliver(eml('patient-named.eml'), { arrivedAt: minutes(1) });
    await sorted(1);
    const bundle = JSON.parse(readFileSync('/work/shared/fixtures/fhir/synthea-patient-carolee951.json', 'utf8')) as { entry: Array<{ resource: { resourceType: string; name: Array<{ given: string[]; family: string }>; birthDate: string; identifier: Array<{ value: string }>; telecom: Array<{ value: string }> } }> };
    const patient = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Patient');
    const needles = [
      ...(patient?.name.flatMap((n) => [...n.given, n.family]) ?? []),
      patient?.birthDate ?? '1969-03-27',
      ...(patient?.identifier.map((i) => i.value) ?? []),
      ...(patient?.telecom.map((t) => t.value) ?? []),
      // The sender, and the Message-ID (an id is only ever kept as a keyed token).
      'rn.someone@lakeside.example',
      'rn.someone',
      'BN8PR04MB6321PATIENT0001',
    ].map((n) => n.toLowerCase());
    const dump = (await eventually(databaseDump, (d) => d.includes('Epic froze on'))).toLowerCase();
    // The report is there, with its requester's organisation (the domain), not the person.
    expect(dump).toContain('lakeside.example');
    expect(needles.filter((n) => dump.includes(n))).toEqual([]);
    const logged = said.join('\n').toLowerCase();
    expect(needles.filter((n) => logged.includes(n))).toEqual([]);
  }, 120_000);

  it('reads the mail waiting when it starts, and mail arriving while it runs within seconds, through IDLE', async () => {
    dovecot = await Dovecot.start();
    await dovecot.deliver(eml('epic-frozen.eml'), { arrivedAt: minutes(1) });
    h = await startReading(dovecot.port, '10m');
    await sorted(1);

    const delivered = performance.now();
    await dovecot.deliver(eml('html-with-attachment.eml'), { arrivedAt: minutes(2) });
    await sorted(2, 0, 10_000);
    expect(performance.now() - delivered).toBeLessThan(5_000);
    expect(said).toContainEqual(expect.stringMatching(/^email: reading INBOX at 127\.0\.0\.1:\d+: new mail as it arrives \(IDLE\), and a pass every 600 s$/));
  }, 120_000);

  it('starts while Dovecot is down, says what to fix, and reads the mail once Dovecot is up; and again after Dovecot restarts', async () => {
    const port = await freePort();
    h = await startReading(port);
    await eventually(() => Promise.resolve(said.some((line) => line.startsWith(`email: cannot read the mailbox: cannot reach 127.0.0.1:${port} (ECONNREFUSED)`))), (seen) => seen, 10_000);

    dovecot = await Dovecot.start({ port });
    await dovecot.deliver(eml('epic-frozen.eml'), { arrivedAt: minutes(1) });
    await sorted(1, 0, 30_000);

    const before = said.length;
    await dovecot.halt();
    await eventually(() => Promise.resolve(said.slice(before).some((line) => line.startsWith('email: cannot read the mailbox'))), (seen) => seen, 10_000);
    await dovecot.resume();
    await dovecot.deliver(eml('html-with-attachment.eml'), { arrivedAt: minutes(2) });
    await sorted(2, 0, 30_000);
  }, 120_000);

  it('says what to check when the server refuses the password, tries again only every 15 minutes (no account lockout), and leaves the mail alone', async () => {
    dovecot = await Dovecot.start();
    await dovecot.deliver(eml('epic-frozen.eml'), { arrivedAt: minutes(1) });
    h = await startReading(dovecot.port, '60s', 'not-the-password');
    await eventually(() => Promise.resolve(said.find((line) => line.includes('refused the login'))), (line) => line !== undefined, 10_000);
    expect(said.find((line) => line.includes('refused the login'))).toMatch(/^email: cannot read the mailbox: 127\.0\.0\.1:\d+ refused the login \(.*\): check email\.user and the password or app password it reads \(passwordEnv\/passwordFile\); trying again in 900 s$/);
    expect((await dovecot.messages('INBOX')).length).toBe(1);
  }, 60_000);
});
