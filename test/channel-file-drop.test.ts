import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { execFile } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startClockedCorral, stopClockedCorral, T0, type ClockedCorral } from './support/clocked-corral.js';
import { eventually, getJson, inboxCorrelated, startCorral, withClient, type RunningCorral } from './support/harness.js';

// corral with drop folders (README "File drops"): a lab system's batch file of NACKs becomes its
// interface events exactly once, even when corral stops part-way through it and starts again; a
// file corral cannot read goes to failed/ with its reason, a file still being written waits, a
// CSV alert export is mapped onto events row by row, nothing a file says about a patient
// reaches the database, a note or a log line in the clear, and done/ keeps files only for keepDone.

const FIXTURES = new URL('./fixtures/channels/file-drop/', import.meta.url).pathname;
const fixture = (name: string) => join(FIXTURES, name);

interface Patient {
  name: Array<{ given: string[]; family: string }>;
  identifier: Array<{ value: string; type?: { coding: Array<{ code: string }> } }>;
  birthDate: string;
  telecom: Array<{ value: string }>;
}
const bundle = JSON.parse(readFileSync(new URL('./fixtures/fhir/synthea-patient-carolee951.json', import.meta.url), 'utf8')) as { entry: Array<{ resource: Patient & { resourceType: string } }> };
const patient = bundle.entry.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
const GIVEN = patient.name[0]?.given[0] ?? '';
const FAMILY = patient.name[0]?.family ?? '';
const idOfType = (code: string) => patient.identifier.find((i) => i.type?.coding.some((c) => c.code === code))?.value ?? '';
const MRN = idOfType('MR');
const SSN = idOfType('SS');
const NEEDLES = [GIVEN, FAMILY, MRN, SSN, SSN.replace(/-/g, ''), patient.birthDate.replace(/-/g, ''), patient.telecom[0]?.value ?? '', '7654321'].map((n) => n.toLowerCase());

const folders: string[] = [];
const folder = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'corral-drop-'));
  folders.push(dir);
  return dir;
};
const list = (dir: string, sub: string) => (existsSync(join(dir, sub)) ? readdirSync(join(dir, sub)).sort() : []);
const waitFor = <T>(probe: () => T, accept: (value: T) => boolean, timeoutMs = 20_000) => eventually(() => Promise.resolve(probe()), accept, timeoutMs);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A channels file with these `fileDrops:` entries (JSON is YAML). */
const channelsFile = (drops: unknown[]): string => {
  const file = join(folder(), 'channels.yaml');
  writeFileSync(file, JSON.stringify({ fileDrops: drops }));
  return file;
};

const count = (url: string, sql: string) => withClient(url, async (c) => Number((await c.query<{ n: string }>(sql)).rows[0]?.n ?? 0));
const inboxRows = (url: string) => count(url, 'SELECT count(*) AS n FROM inbox');
const children = (url: string) => count(url, 'SELECT count(*) AS n FROM incident_child');

interface IncidentItem {
  id: string;
  system: string;
  childCount: number;
  facilities: string[];
}
const incidents = async (baseUrl: string) => (await getJson<{ items: IncidentItem[] }>(`${baseUrl}/v1/incidents?limit=100`)).body.items;

let h: ClockedCorral | undefined;
let second: RunningCorral | undefined;

afterEach(async () => {
  await second?.close();
  second = undefined;
  await stopClockedCorral(h);
  h = undefined;
  jest.restoreAllMocks();
  for (const dir of folders.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('file drops: HL7 batch files', () => {
  it('takes a dropped batch of 200 NACKs as 200 interface events, correlated, and moves the file to done/', async () => {
    const dir = folder();
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms' }]) });
    copyFileSync(fixture('nack-batch-200.hl7'), join(dir, 'nack-batch-200.hl7'));

    await waitFor(() => list(dir, 'done'), (done) => done.length > 0);
    expect(list(dir, 'done')).toEqual(['20261124T070000.000Z-nack-batch-200.hl7']);
    expect([list(dir, 'processing'), list(dir, 'failed'), readdirSync(dir).sort()]).toEqual([[], [], ['done', 'failed', 'processing']]);
    expect(await inboxRows(h.db.url)).toBe(200);
    await inboxCorrelated(h.db.url);

    // Every NACK is a child of an incident about the lab system at Lakeside, none twice.
    const found = await incidents(h.corral.baseUrl);
    expect(found.reduce((n, i) => n + i.childCount, 0)).toBe(200);
    expect(await children(h.db.url)).toBe(200);
    expect(new Set(found.map((i) => [i.system, i.facilities.join()].join(' at ')))).toEqual(new Set(['lis at lakeside']));
    expect(found.length).toBeLessThanOrEqual(2);

    // The same file dropped again (a sender's resend) is recognised whole: nothing new is kept.
    copyFileSync(fixture('nack-batch-200.hl7'), join(dir, 'nack-batch-200.hl7'));
    await waitFor(() => list(dir, 'done'), (done) => done.length === 2);
    expect(await inboxRows(h.db.url)).toBe(200);
  }, 60_000);

  it('takes each event of a file exactly once when corral stops part-way through it and a new corral on the same database takes it again', async () => {
    const dir = folder();
    const channels = channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms', chunk: 20 }]);
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channels });
    const db = h.db.url;
    // Each append waits 300 ms in the database, so the stop surely comes between two chunks of the file.
    await withClient(db, async (c) => {
      await c.query(`CREATE FUNCTION test_slow_append() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.3); RETURN NULL; END $$`);
      await c.query(`CREATE TRIGGER test_slow_append BEFORE INSERT ON inbox FOR EACH STATEMENT EXECUTE FUNCTION test_slow_append()`);
    });
    copyFileSync(fixture('nack-batch-200.hl7'), join(dir, 'nack-batch-200.hl7'));
    await eventually(() => inboxRows(db), (n) => n >= 60);

    await h.corral.close();
    h = { ...h, corral: { ...h.corral, close: () => Promise.resolve() } };
    const committed = await inboxRows(db);
    expect([committed > 0, committed < 200, committed % 20]).toEqual([true, true, 0]);
    expect([list(dir, 'processing'), list(dir, 'done')]).toEqual([['20261124T070000.000Z-nack-batch-200.hl7'], []]);

    await withClient(db, (c) => c.query('DROP TRIGGER test_slow_append ON inbox'));
    // A file dropped while no corral ran is found by the listing at start (no watcher saw it arrive).
    const late = readFileSync(fixture('nack-batch-200.hl7'), 'utf8').split('\r\n').slice(0, 2 + 3 * 5).join('\r\n').replaceAll('|LAKESIDE|', '|RIVERSIDE|');
    writeFileSync(join(dir, 'late.hl7'), late);
    second = await startCorral({ DATABASE_URL: db, NATS_URL: h.nats.url, NATS_NAMESPACE: h.nats.namespace, RELAY_POLL_MS: '60000', TIMER_POLL_MS: '60000', CORRAL_CHANNELS_FILE: channels }, { clock: h.clock });
    await waitFor(() => list(dir, 'done'), (done) => done.length === 2);

    expect([list(dir, 'processing'), list(dir, 'done')]).toEqual([[], ['20261124T070000.000Z-late.hl7', '20261124T070000.000Z-nack-batch-200.hl7']]);
    // The 200 of the batch once each, and the late file's 5.
    expect(await inboxRows(db)).toBe(205);
    await inboxCorrelated(db);
    expect(await children(db)).toBe(205);
    expect((await incidents(second.baseUrl)).reduce((n, i) => n + i.childCount, 0)).toBe(205);
  }, 90_000);

  it('keeps a file in processing/ while its events cannot be committed, and moves it only once they are durable', async () => {
    const warned: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warned.push(String(message)));
    const dir = folder();
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms' }]) });
    const db = h.db.url;
    await withClient(db, async (c) => {
      await c.query(`CREATE FUNCTION test_refuse_append() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'test: the inbox is unavailable'; END $$`);
      await c.query(`CREATE TRIGGER test_refuse_append BEFORE INSERT ON inbox FOR EACH STATEMENT EXECUTE FUNCTION test_refuse_append()`);
    });
    copyFileSync(fixture('nack-batch-200.hl7'), join(dir, 'nack-batch-200.hl7'));

    await waitFor(() => warned, (lines) => lines.some((l) => l.includes('could not take')));
    expect(warned.find((l) => l.includes('could not take'))).toMatch(/it stays in .*processing, nothing of it is lost, and it is tried again in 1 s/);
    expect([list(dir, 'processing'), list(dir, 'done'), list(dir, 'failed'), await inboxRows(db)]).toEqual([['20261124T070000.000Z-nack-batch-200.hl7'], [], [], 0]);

    await withClient(db, (c) => c.query('DROP TRIGGER test_refuse_append ON inbox'));
    await waitFor(() => list(dir, 'done'), (done) => done.length === 1);
    expect([list(dir, 'processing'), await inboxRows(db)]).toEqual([[], 200]);
  }, 60_000);
});

describe('file drops: what cannot be taken, files still being written, CSV exports', () => {
  it('moves a file that is no HL7 to failed/ with its reason, waits for a file being written, and maps a CSV export onto events, refusing bad rows alone', async () => {
    const hl7 = folder();
    const csv = folder();
    const columns = { id: 'Alert ID', system: 'Host', facility: 'Site', errorSignature: 'Service', symptom: 'Message', severity: 'Severity', occurredAt: 'Time', status: 'State' };
    h = await startClockedCorral({
      CORRAL_CHANNELS_FILE: channelsFile([
        { name: 'lab-hl7', dir: hl7, format: 'hl7', settle: '600ms' },
        { name: 'nagios', dir: csv, format: 'csv', settle: '200ms', poll: '100ms', csv: { columns } },
      ]),
    });
    const db = h.db.url;

    // Garbage: failed/, with a reason that says what to do and quotes nothing.
    copyFileSync(fixture('not-hl7.txt'), join(hl7, 'weekly-report.txt'));
    await waitFor(() => list(hl7, 'failed'), (failed) => failed.length === 2);
    expect(list(hl7, 'failed')).toEqual(['20261124T070000.000Z-weekly-report.txt', '20261124T070000.000Z-weekly-report.txt.reason.txt']);
    const reason = readFileSync(join(hl7, 'failed', '20261124T070000.000Z-weekly-report.txt.reason.txt'), 'utf8');
    expect(reason).toContain('no HL7 message in the file: no line starts with MSH');
    expect(reason).toContain(`move the file\n(without the timestamp prefix, if you like) back into ${hl7}`);
    expect(reason).not.toMatch(/Dear team|weekly interface report/);

    // A file an SFTP client is still writing under a temporary name is left alone until renamed…
    const batch = readFileSync(fixture('nack-batch-200.hl7'), 'utf8').split('\r\n');
    const first = batch.slice(0, 2 + 3 * 5).join('\r\n') + '\r\n';
    writeFileSync(join(hl7, 'part-1.hl7.filepart'), first);
    writeFileSync(join(hl7, '.part-1.hl7'), first);
    await sleep(1500);
    expect([list(hl7, 'processing'), list(hl7, 'done'), await inboxRows(db)]).toEqual([[], [], 0]);
    renameSync(join(hl7, 'part-1.hl7.filepart'), join(hl7, 'part-1.hl7'));
    await waitFor(() => list(hl7, 'done'), (done) => done.length === 1);
    expect(await inboxRows(db)).toBe(5);
    // …and one written in pieces under its own name is taken once its size stops changing.
    const rest = batch.slice(2 + 3 * 5, 2 + 3 * 11);
    writeFileSync(join(hl7, 'part-2.hl7'), rest.slice(0, 9).join('\r\n') + '\r\n');
    for (const piece of [rest.slice(9, 12), rest.slice(12, 18)]) {
      await sleep(150);
      appendFileSync(join(hl7, 'part-2.hl7'), piece.join('\r\n') + '\r\n');
    }
    await waitFor(() => list(hl7, 'done'), (done) => done.length === 2);
    expect(await inboxRows(db)).toBe(11);
    expect(list(hl7, 'done').filter((f) => f.endsWith('.txt'))).toEqual([]);

    // A CSV export: each row an event of the drop, as the mapping says.
    copyFileSync(fixture('nagios-export.csv'), join(csv, 'export-0700.csv'));
    await waitFor(() => list(csv, 'done'), (done) => done.length === 1);
    expect(await inboxRows(db)).toBe(15);
    await inboxCorrelated(db);
    const found = await incidents(h.corral.baseUrl);
    // The rules' system names take the export's host names in (config/rules: pacs-archive is pacs).
    expect(found.filter((i) => i.system === 'pacs').reduce((n, i) => n + i.childCount, 0)).toBe(3);
    expect(found.filter((i) => i.system === 'lab-printer-3').map((i) => i.facilities)).toEqual([['overlake']]);

    // Bad rows are refused alone, listed by line beside the file in done/; the good ones are taken.
    copyFileSync(fixture('nagios-export-bad-rows.csv'), join(csv, 'export-0705.csv'));
    await waitFor(() => list(csv, 'done'), (done) => done.length === 3);
    expect(list(csv, 'done')).toEqual(['20261124T070000.000Z-export-0700.csv', '20261124T070000.000Z-export-0705.csv', '20261124T070000.000Z-export-0705.csv.refused.txt']);
    const refused = readFileSync(join(csv, 'done', '20261124T070000.000Z-export-0705.csv.refused.txt'), 'utf8');
    expect(refused.split('\n').filter((l) => l.startsWith('  line '))).toEqual([
      '  line 3: severity (column "Severity") is not a severity (critical, high, medium, low, info, or a monitoring tool\'s word for one)',
      '  line 4: occurredAt (column "Time") is not a date and time (ISO 8601, e.g. 2026-11-24T07:00:00Z or 2026-11-24 07:00:00)',
      // Refused by the intake's privacy table: a name where a code belongs. Named by field, not quoted.
      '  line 5: system: must be a code (letters, digits and . _ : @ / # + -, no spaces, up to 128 characters) that holds no personal identifier',
    ]);
    expect(refused).toContain('Summary: 5 row(s): 2 taken, 0 duplicate(s), 0 ignored (acknowledgements), 3 refused');
    expect(await inboxRows(db)).toBe(17);
    for (const text of [reason, refused]) expect(NEEDLES.filter((n) => text.toLowerCase().includes(n))).toEqual([]);
  }, 90_000);
});

describe('file drops: privacy', () => {
  it('keeps nothing of a patient named in a dropped file in the clear: not in the database, not in a note, not in a log line', async () => {
    const logged: string[] = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => void logged.push(String(message)));
    }
    const dir = folder();
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms' }]) });
    const pid = `PID|1||${MRN}^^^SYNTHEA^MR~${SSN}^^^USSSA^SS||${FAMILY.toUpperCase()}^${GIVEN.toUpperCase()}||${patient.birthDate.replace(/-/g, '')}|F|||117 Orn Bypass^^Redmond^WA^98053||${patient.telecom[0]?.value ?? ''}`;
    // A NACK carrying the patient's PID, and naming her in its error text, as engines do.
    const nack = [
      'MSH|^~\\&|LIS|LAKESIDE|EHR|LAKESIDE|20261124065900||ACK^R01^ACK|ACK77001|P|2.5.1',
      'MSA|AE|ORU77001',
      `ERR||PID^1^3|204^Unknown key identifier^HL70357|E||||Patient ${FAMILY}^${GIVEN} MRN 7654321 DOB ${patient.birthDate} not found`,
      pid,
    ].join('\r');
    // An ADT message with the same PID, dropped by mistake: refused, its reason must not quote it.
    const adt = readFileSync(new URL('./fixtures/hl7/adt-a01-ms-fhir-converter.hl7', import.meta.url), 'utf8').replace(/^PID\|.*$/m, pid);
    writeFileSync(join(dir, 'nack-with-pid.hl7'), `${nack}\r`);
    writeFileSync(join(dir, 'adt-by-mistake.hl7'), adt);

    await waitFor(() => [...list(dir, 'done'), ...list(dir, 'failed')], (moved) => moved.length === 3);
    expect(list(dir, 'done')).toEqual(['20261124T070000.000Z-nack-with-pid.hl7']);
    expect(list(dir, 'failed')).toEqual(['20261124T070000.000Z-adt-by-mistake.hl7', '20261124T070000.000Z-adt-by-mistake.hl7.reason.txt']);
    const reason = readFileSync(join(dir, 'failed', '20261124T070000.000Z-adt-by-mistake.hl7.reason.txt'), 'utf8');
    expect(reason).toContain('message 1 (line 1): invalid hl7 payload: MSA: missing: only ACK/NACK messages (with an MSA segment) are accepted');
    await inboxCorrelated(h.db.url);
    expect(await children(h.db.url)).toBe(1);

    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', h.db.url], { maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain('INSERT INTO public.incident_child');
    // A line per file: where it went, its counts, and no content.
    expect(logged).toContainEqual(expect.stringMatching(/^file drop lab-hl7: 20261124T070000\.000Z-nack-with-pid\.hl7 moved to done\/: 1 message\(s\): 1 taken, 0 duplicate\(s\), 0 ignored \(acknowledgements\), 0 refused, in \d+ ms$/));
    expect(logged).toContainEqual(expect.stringMatching(/^file drop lab-hl7: 20261124T070000\.000Z-adt-by-mistake\.hl7 moved to failed\/ \(see 20261124T070000\.000Z-adt-by-mistake\.hl7\.reason\.txt there\): every message or row of the file was refused \(1 message\(s\): 0 taken, .*, 1 refused, in \d+ ms\)$/));
    const places = { 'pg_dump': dump, 'reason note': reason, logs: logged.join('\n') };
    for (const [place, text] of Object.entries(places)) {
      const lower = text.toLowerCase();
      expect([place, NEEDLES.filter((n) => lower.includes(n))]).toEqual([place, []]);
    }
  }, 60_000);
});

describe('file drops: done/ is kept for keepDone only', () => {
  const DAY = 86_400_000;
  /** The Clock's stamp corral puts before a claimed file's name, `days` before the test corral's now (T0). */
  const stamp = (days: number) => new Date(T0.getTime() - days * DAY).toISOString().replace(/[-:]/g, '');
  const put = (dir: string, where: string, name: string, mtime = new Date()) => {
    mkdirSync(join(dir, where), { recursive: true });
    writeFileSync(join(dir, where, name), `MSH|^~\\&|LIS|LAKESIDE\rPID|1||${MRN}^^^SYNTHEA^MR||${FAMILY}^${GIVEN}\r`);
    utimesSync(join(dir, where, name), mtime, mtime);
  };
  const logLines = () => {
    const logged: string[] = [];
    for (const level of ['log', 'warn'] as const) jest.spyOn(Logger.prototype, level).mockImplementation((message: unknown) => void logged.push(String(message)));
    return logged;
  };

  it('deletes at start what done/ has held longer than keepDone (7d by default), by the stamp of its name or else its time, and leaves failed/ alone', async () => {
    const logged = logLines();
    const dir = folder();
    const monthAgo = new Date(Date.now() - 30 * DAY);
    put(dir, 'done', `old-${MRN}.hl7`, monthAgo);
    put(dir, 'done', `${stamp(14)}-nacks.hl7`);
    put(dir, 'done', `${stamp(14)}-nacks.hl7.refused.txt`);
    // Taken yesterday: kept, though its sender wrote it a month ago.
    put(dir, 'done', `${stamp(1)}-recent.hl7`, monthAgo);
    put(dir, 'done', 'fresh-by-hand.hl7');
    put(dir, 'failed', `${stamp(60)}-adt.hl7`, monthAgo);
    put(dir, 'failed', `${stamp(60)}-adt.hl7.reason.txt`, monthAgo);
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms' }]) });

    await waitFor(() => logged, (lines) => lines.some((l) => l.includes('from done/')));
    expect(list(dir, 'done')).toEqual([`${stamp(1)}-recent.hl7`, 'fresh-by-hand.hl7']);
    expect(list(dir, 'failed')).toEqual([`${stamp(60)}-adt.hl7`, `${stamp(60)}-adt.hl7.reason.txt`]);
    // The sweep runs beside the start: its line may come before or after the start's.
    expect(logged.filter((l) => l.includes('done/')).sort()).toEqual(['file drop lab-hl7: deleted 3 file(s) from done/ older than keepDone: 7d', `file drop lab-hl7: watching ${dir} for hl7 files; taken files are kept in done/ for 7d`]);
    expect(NEEDLES.filter((n) => logged.join('\n').toLowerCase().includes(n))).toEqual([]);
  }, 60_000);

  it('with keepDone 0, deletes a file as soon as its events are durable, and empties done/ at start', async () => {
    const logged = logLines();
    const dir = folder();
    put(dir, 'done', `${stamp(0)}-taken-before.hl7`);
    h = await startClockedCorral({ CORRAL_CHANNELS_FILE: channelsFile([{ name: 'lab-hl7', dir, format: 'hl7', settle: '200ms', keepDone: 0 }]) });
    await waitFor(() => list(dir, 'done'), (done) => done.length === 0);

    const five = readFileSync(fixture('nack-batch-200.hl7'), 'utf8').split('\r\n').slice(0, 2 + 3 * 5).join('\r\n');
    writeFileSync(join(dir, 'five-nacks.hl7'), five);
    await waitFor(() => logged, (lines) => lines.some((l) => l.includes('five-nacks')));

    expect(await inboxRows(h.db.url)).toBe(5);
    expect([readdirSync(dir).sort(), list(dir, 'processing'), list(dir, 'done'), list(dir, 'failed')]).toEqual([['done', 'failed', 'processing'], [], [], []]);
    expect(logged).toContain('file drop lab-hl7: deleted 1 file(s) from done/ older than keepDone: 0');
    expect(logged).toContainEqual(expect.stringMatching(/^file drop lab-hl7: 20261124T070000\.000Z-five-nacks\.hl7 taken and deleted \(keepDone: 0\): 5 message\(s\): 5 taken, /));
  }, 60_000);
});
