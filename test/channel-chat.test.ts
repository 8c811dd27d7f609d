import { execFile } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startClockedCorral, stopClockedCorral, T0, type ClockedCorral } from './support/clocked-corral.js';
import { canonical, eventually, getJson, postJson, withClient } from './support/harness.js';

// corral with a Slack app and a Teams outgoing webhook, fed the payloads their documentation shows
// (test/fixtures/channels/chat/, NOTES.md says where each comes from), signed here with test secrets
// as Slack and Teams sign them, over real HTTP; corral's replies go to a stand-in for Slack's Web API
// on loopback that records every call. Real Postgres and NATS, corral's clock at T0.

const SIGNING_SECRET = 'test-signing-secret-0123456789abcd';
const BOT_TOKEN = 'xoxb-test-0000-corral';
const TEAMS_TOKEN = Buffer.from('corral-test-teams-security-token-32b').toString('base64');
const LAKESIDE = 'C0123ABC';
const TEAMS_CHANNEL = '19:aebd0ad4d6ab42c8b9ed19c251c2fc37@thread.tacv2';
const TEAM = 'T123ABC456';
const APP = 'U0LAN0Z89';

const fixture = (name: string): string => readFileSync(join('test', 'fixtures', 'channels', 'chat', name), 'utf8');
const recorded = <T = Record<string, unknown>>(name: string): T => JSON.parse(fixture(name)) as T;

/** Slack's Web API on loopback: answers chat.postMessage as its documentation shows, and keeps what it got. */
class FakeSlackApi {
  readonly calls: Array<{ path: string; authorization: string | undefined; body: { channel: string; thread_ts: string; text: string } }> = [];
  private server: Server | undefined;

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    const answer = recorded<{ ok: Record<string, unknown> }>('slack-chat-postMessage.json').ok;
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeSlackApi['calls'][number]['body'];
        this.calls.push({ path: request.url ?? '', authorization: request.headers.authorization, body });
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ...answer, channel: body.channel, ts: body.thread_ts }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  inThread(threadTs: string) {
    return this.calls.filter((c) => c.body.thread_ts === threadTs);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

let h: ClockedCorral | undefined;
let slackApi: FakeSlackApi | undefined;
let dir: string | undefined;

afterEach(async () => {
  await stopClockedCorral(h);
  await slackApi?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  h = undefined;
  slackApi = undefined;
  dir = undefined;
});

async function start(): Promise<{ corral: ClockedCorral; slack: FakeSlackApi }> {
  slackApi = await new FakeSlackApi().start();
  dir = mkdtempSync(join(tmpdir(), 'corral-chat-'));
  const file = join(dir, 'channels.yaml');
  writeFileSync(
    file,
    [
      'slack:',
      '  signingSecretEnv: CORRAL_TEST_SLACK_SIGNING_SECRET',
      '  botTokenEnv: CORRAL_TEST_SLACK_BOT_TOKEN',
      `  apiUrl: ${slackApi.url}`,
      '  timeZone: America/Chicago',
      '  channels:',
      `    ${LAKESIDE}: { facility: lakeside, system: epic }`,
      'teams:',
      '  securityTokenEnv: CORRAL_TEST_TEAMS_TOKEN',
      '  timeZone: America/Chicago',
      '  channels:',
      `    "${TEAMS_CHANNEL}": { facility: lakeside, system: epic }`,
    ].join('\n'),
  );
  h = await startClockedCorral({ CORRAL_CHANNELS_FILE: file, CORRAL_TEST_SLACK_SIGNING_SECRET: SIGNING_SECRET, CORRAL_TEST_SLACK_BOT_TOKEN: BOT_TOKEN, CORRAL_TEST_TEAMS_TOKEN: TEAMS_TOKEN });
  return { corral: h, slack: slackApi };
}

/** Seconds since the epoch, `secondsAfterT0` after corral's T0, as Slack writes a message's ts. */
const tsAt = (secondsAfterT0: number, micros = 100) => `${T0.getTime() / 1000 + secondsAfterT0}.${String(micros).padStart(6, '0')}`;

interface SlackSend {
  /** When Slack signed it (default: corral's clock now). */
  signedAt?: Date;
  secret?: string | null;
  headers?: Record<string, string>;
  contentType?: string;
}

/** POSTs `body` as Slack does: no Authorization, its signature headers over the exact bytes. */
async function fromSlack(path: string, body: string, options: SlackSend = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const corral = h as ClockedCorral;
  const timestamp = String(Math.floor((options.signedAt ?? corral.clock.now()).getTime() / 1000));
  const signature: Record<string, string> = options.secret === null ? {} : { 'x-slack-request-timestamp': timestamp, 'x-slack-signature': `v0=${createHmac('sha256', options.secret ?? SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}` };
  const response = await fetch(`${corral.corral.baseUrl}/v1/channels/slack/${path}`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json', 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...signature, ...options.headers },
    body,
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown>, headers: response.headers };
}

/** The documented app_mention delivery, as this workspace would send it. */
function mention(user: string, text: string, ts: string, channel = LAKESIDE, extra: Record<string, unknown> = {}): string {
  const delivery = recorded<{ event: Record<string, unknown> } & Record<string, unknown>>('slack-app-mention.json');
  return JSON.stringify({ ...delivery, team_id: TEAM, event_id: `Ev${user}${ts.replace('.', '')}`, event: { ...delivery.event, user, text, ts, channel, event_ts: ts, ...extra } });
}

function channelMessage(event: Record<string, unknown>, fixtureName = 'slack-message-channels.json'): string {
  const delivery = recorded<{ event: Record<string, unknown> } & Record<string, unknown>>(fixtureName);
  return JSON.stringify({ ...delivery, team_id: TEAM, event: { ...delivery.event, ...event } });
}

const epicOutage = () =>
  Array.from({ length: 3 }, (_, i) => canonical({ id: `epic-probe-${i}`, system: 'epic', facility: 'lakeside', symptom: 'Epic Hyperspace login page unavailable', errorSignature: 'HTTP_503', severity: 'critical', patientImpact: true }));

async function outage(corral: ClockedCorral): Promise<string> {
  const answer = await postJson<{ incidents: Array<{ incidentId: string }> }>(`${corral.corral.baseUrl}/v1/events?wait=correlated`, epicOutage());
  expect(answer.status).toBe(202);
  const id = answer.body.incidents[0]?.incidentId;
  if (!id) throw new Error('the outage opened no incident');
  return id;
}

interface Detail {
  distinctRequesters: number;
  children: Array<{ kind: string; source: { type: string; system: string } }>;
}
const reportsOn = async (corral: ClockedCorral, incidentId: string, via: string) => {
  const { body } = await getJson<Detail>(`${corral.corral.baseUrl}/v1/incidents/${incidentId}`);
  return { people: body.distinctRequesters, reports: body.children.filter((c) => c.kind === 'report' && c.source.system === via).length };
};

const stored = (corral: ClockedCorral) =>
  withClient(corral.db.url, async (c) => (await c.query<{ n: string }>(`SELECT (SELECT count(*) FROM incident) + (SELECT count(*) FROM incident_child) AS n`)).rows[0]?.n);

describe('chat channels: Slack and Teams', () => {
  it('a signed Slack mention becomes a report on the right incident and is told its place in the thread; a retry adds nothing and posts nothing', async () => {
    const { corral, slack } = await start();
    const incidentId = await outage(corral);

    const first = tsAt(60);
    const second = tsAt(120);
    expect(await fromSlack('events', mention('U061F7AUR', `<@${APP}> Epic is frozen on 4 West`, first))).toMatchObject({ status: 200, body: { ok: true } });
    await eventually(() => Promise.resolve(slack.calls.length), (n) => n === 1);
    expect(await fromSlack('events', mention('U0G9QF9C6', `<@${APP}> Epic is frozen on 4 West`, second))).toMatchObject({ status: 200 });
    await eventually(() => Promise.resolve(slack.calls.length), (n) => n === 2);

    expect(await reportsOn(corral, incidentId, 'slack')).toEqual({ people: 2, reports: 2 });
    expect(slack.calls.map((c) => [c.path, c.authorization, c.body.channel, c.body.thread_ts])).toEqual([
      ['/chat.postMessage', `Bearer ${BOT_TOKEN}`, LAKESIDE, first],
      ['/chat.postMessage', `Bearer ${BOT_TOKEN}`, LAKESIDE, second],
    ]);
    // T0 is 07:00 UTC, 01:00 in Chicago.
    expect(slack.calls[0]?.body.text).toMatch(/^You are the 1st person to report this\. corral has known since 01:00 \(America\/Chicago\)\. Epic at lakeside — P\d, being worked on\.$/);
    expect(slack.calls[1]?.body.text).toMatch(/^You are the 2nd person to report this\./);

    // Slack sends the first one again (it did not hear the 200 in time): the same report, no second reply.
    const retry = await fromSlack('events', mention('U061F7AUR', `<@${APP}> Epic is frozen on 4 West`, first), { headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    expect(retry).toMatchObject({ status: 200, body: { ok: true } });
    // The same person adding detail in the thread is the same report too.
    expect((await fromSlack('events', mention('U061F7AUR', `<@${APP}> also on 5 East`, tsAt(180), LAKESIDE, { thread_ts: first }))).status).toBe(200);
    // A later report is answered: the two before it, had they been replied to, were sent first.
    const third = tsAt(240);
    await fromSlack('events', mention('U0H7PQ2RS', `<@${APP}> Epic down in the ED`, third));
    await eventually(() => Promise.resolve(slack.inThread(third).length), (n) => n === 1);
    expect(slack.inThread(first)).toHaveLength(1);
    expect(await reportsOn(corral, incidentId, 'slack')).toEqual({ people: 3, reports: 3 });
  }, 120_000);

  it('refuses unsigned, wrongly signed and stale requests with 401 and keeps nothing; answers url_verification; ignores what is not a report; says why a body is refused', async () => {
    const { corral, slack } = await start();
    await outage(corral);
    const before = await stored(corral);
    const body = mention('U061F7AUR', `<@${APP}> Epic is frozen on 4 West`, tsAt(60));

    const refusals = [
      await fromSlack('events', body, { secret: null }),
      await fromSlack('events', body, { secret: 'another-apps-signing-secret-0000' }),
      await fromSlack('events', body, { signedAt: new Date(corral.clock.now().getTime() - 6 * 60_000) }),
      await fromSlack('events', body, { headers: { 'x-slack-signature': 'v0=0000' } }),
    ];
    expect(refusals.map((r) => [r.status, typeof r.body.message])).toEqual(refusals.map(() => [401, 'string']));
    expect(refusals[2]?.body.message).toMatch(/five minutes/);

    // Setting up the Request URL: the challenge back.
    const challenge = recorded<{ challenge: string }>('slack-url-verification.json').challenge;
    expect(await fromSlack('events', fixture('slack-url-verification.json'))).toMatchObject({ status: 200, body: { challenge } });
    // Chatter in a channel corral does not watch, and a bot in one it does: taken, not reports.
    expect(await fromSlack('events', channelMessage({ channel: 'C0999ZZZ', user: 'U061F7AUR', text: 'lunch at noon?', ts: tsAt(70) }))).toMatchObject({ status: 200, body: { ok: true } });
    expect(await fromSlack('events', channelMessage({ channel: LAKESIDE, ts: tsAt(80) }, 'slack-bot-message.json'))).toMatchObject({ status: 200, body: { ok: true } });
    // Signed, but not JSON: 400 with the reason, and Slack told not to send it again.
    const broken = await fromSlack('events', '{"type":"event_callback","event":');
    expect([broken.status, broken.body.message, broken.headers.get('x-slack-no-retry')]).toEqual([400, 'the body is not valid JSON', '1']);

    expect(await stored(corral)).toBe(before);
    expect(slack.calls).toEqual([]);
  }, 120_000);

  it('/corral status answers the active incidents only to the asker, counts under five suppressed; unsigned it is refused', async () => {
    const { corral, slack } = await start();
    await outage(corral);
    for (const [i, user] of ['U061F7AUR', 'U0G9QF9C6'].entries()) await fromSlack('events', mention(user, `<@${APP}> Epic is frozen`, tsAt(60 + i)));
    await eventually(() => Promise.resolve(slack.calls.length), (n) => n === 2);

    const form = (text: string, channel = LAKESIDE) => {
      const fields = new URLSearchParams(fixture('slack-slash-command.form').trim());
      fields.set('team_id', TEAM);
      fields.set('channel_id', channel);
      fields.set('command', '/corral');
      fields.set('text', text);
      return fields.toString();
    };
    const asked = await fromSlack('commands', form('status'), { contentType: 'application/x-www-form-urlencoded' });
    expect(asked.status).toBe(200);
    expect(asked.body.response_type).toBe('ephemeral');
    expect(asked.body.text).toMatch(/^Active problems at lakeside \(1; times are America\/Chicago\):\n• P\d Epic at lakeside — since 01:00, fewer than 5 people reporting$/);
    // A system by any of its codes or names; one with nothing active says so.
    expect((await fromSlack('commands', form('status hyperspace'), { contentType: 'application/x-www-form-urlencoded' })).body.text).toBe(String(asked.body.text).replace('Active problems at', 'Active problems on Epic at'));
    expect((await fromSlack('commands', form('status cerner'), { contentType: 'application/x-www-form-urlencoded' })).body.text).toBe('No active problems on Cerner at lakeside that corral knows of.');
    expect((await fromSlack('commands', form('help'), { contentType: 'application/x-www-form-urlencoded' })).body.text).toMatch(/^Usage: `\/corral status \[system\]`/);

    const unsigned = await fromSlack('commands', form('status'), { contentType: 'application/x-www-form-urlencoded', secret: null });
    expect([unsigned.status, typeof unsigned.body.message, unsigned.body.text]).toEqual([401, 'string', undefined]);
  }, 120_000);

  it('a signed Teams mention becomes a report and is answered in the thread with its place; a bad HMAC is refused', async () => {
    const { corral } = await start();
    const incidentId = await outage(corral);
    const activity = recorded('teams-outgoing-webhook.json');
    const body = JSON.stringify({ ...activity, timestamp: new Date(T0.getTime() + 90_000).toISOString() });
    const send = (bytes: string, key = Buffer.from(TEAMS_TOKEN, 'base64')) =>
      fetch(`${corral.corral.baseUrl}/v1/channels/teams/messages`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', authorization: `HMAC ${createHmac('sha256', key).update(bytes).digest('base64')}` }, body: bytes });

    const answered = await send(body);
    expect(answered.status).toBe(200);
    expect(await answered.json()).toEqual({ type: 'message', text: expect.stringMatching(/^You are the 1st person to report this\. corral has known since 01:00 \(America\/Chicago\)\. Epic at lakeside — P\d, being worked on\.$/) });
    expect(await reportsOn(corral, incidentId, 'teams')).toEqual({ people: 1, reports: 1 });
    // The same activity again (a replay: Teams signs no time): one report, and the sender hears it is logged.
    expect(await (await send(body)).json()).toEqual({ type: 'message', text: 'This thread is already logged with corral — thanks.' });
    expect(await reportsOn(corral, incidentId, 'teams')).toEqual({ people: 1, reports: 1 });

    // Signed with another webhook's token, altered after signing, or not signed: refused, nothing kept.
    const before = await stored(corral);
    const refused = [
      await send(body, Buffer.from('another-webhook-token-0123456789ab')),
      await fetch(`${corral.corral.baseUrl}/v1/channels/teams/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `HMAC ${createHmac('sha256', Buffer.from(TEAMS_TOKEN, 'base64')).update(body).digest('base64')}` }, body: body.replace('4 West', '5 East') }),
      await fetch(`${corral.corral.baseUrl}/v1/channels/teams/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    ];
    expect(refused.map((r) => r.status)).toEqual([401, 401, 401]);
    for (const answer of refused) expect(await answer.json()).toMatchObject({ statusCode: 401, message: expect.any(String) });
    expect(await stored(corral)).toBe(before);
  }, 120_000);

  it("keeps a patient named in a Slack message out of the database and out of the reply", async () => {
    const { corral, slack } = await start();
    await outage(corral);
    const bundle = JSON.parse(readFileSync(join('test', 'fixtures', 'fhir', 'synthea-patient-carolee951.json'), 'utf8')) as { entry: Array<{ resource: { name: Array<{ given: string[]; family: string }>; identifier: Array<{ value: string }>; telecom: Array<{ value: string }>; birthDate: string } }> };
    const patient = bundle.entry[0]?.resource;
    if (!patient) throw new Error('no patient in the fixture');
    const given = patient.name[0]?.given[0] ?? '';
    const family = patient.name[0]?.family ?? '';
    const mrn = patient.identifier[1]?.value ?? '';
    const ssn = patient.identifier[2]?.value ?? '';
    const phone = patient.telecom[0]?.value ?? '';
    const said = `<@${APP}> Epic froze while charting for pt ${given} ${family} MRN ${mrn}, DOB ${patient.birthDate}, SSN ${ssn}, callback ${phone} — 4 West`;
    const ts = tsAt(60);
    expect((await fromSlack('events', mention('U061F7AUR', said, ts))).status).toBe(200);
    await eventually(() => Promise.resolve(slack.inThread(ts).length), (n) => n === 1);

    const { stdout: dump } = await promisify(execFile)('pg_dump', ['--data-only', '--inserts', corral.db.url], { maxBuffer: 256 * 1024 * 1024 });
    const reply = slack.inThread(ts)[0]?.body.text ?? '';
    for (const secret of [given, family, mrn, ssn, phone, patient.birthDate, 'U061F7AUR']) {
      expect([secret, dump.includes(secret)]).toEqual([secret, false]);
      expect([secret, reply.includes(secret)]).toEqual([secret, false]);
    }
    expect(reply).toMatch(/^You are the 1st person to report this\./);
  }, 120_000);
});
