import { readFileSync } from 'node:fs';
import { readEmail, type EmailMessage } from './email-message.js';
import { automaticReason, decideEmail, reportText, threadRootOf } from './email-report.js';

const eml = (name: string) => readEmail(readFileSync(new URL(`../../../../test/fixtures/channels/email/${name}`, import.meta.url)));
const settings = { facilityByDomain: { 'lakeside.example': 'lakeside' }, maxChars: 4000 };
const NOW = new Date('2026-11-24T07:30:00Z');
const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({ messageId: 'm1@lakeside.example', references: [], from: 'rn.a@lakeside.example', subject: 'Epic is down', text: 'Cannot log in.', attachments: 0, headers: {}, ...overrides });
const reportOf = (m: EmailMessage, arrivedAt?: Date) => {
  const decision = decideEmail(m, settings, arrivedAt, NOW);
  if (decision.kind !== 'report') throw new Error(`expected a report, got ${JSON.stringify(decision)}`);
  return decision.report;
};

describe('an e-mail as a report', () => {
  it('given a nurse’s first report: a report through the email channel, her address as requester, her domain’s facility, dated when the server took it', async () => {
    const report = reportOf(await eml('epic-frozen.eml'), new Date('2026-11-24T07:01:13Z'));
    expect(report).toMatchObject({ channel: 'email', via: 'email', requester: 'rn.someone@lakeside.example', facility: 'lakeside', occurredAt: '2026-11-24T07:01:13.000Z' });
    expect(report.id).toMatch(/^email:BN8PR04MB6321A1B2C3D4E5F6@BN8PR04MB6321\.namprd04\.prod\.outlook\.example\|[0-9a-f]{16}$/);
  });

  it('keeps one person’s messages in one thread one report, and makes a colleague’s reply in it a report of its own', async () => {
    const first = reportOf(await eml('epic-frozen.eml'));
    const again = reportOf(await eml('same-thread-reply.eml'));
    const colleague = reportOf(await eml('colleague-reply.eml'));
    expect(again.id).toBe(first.id);
    expect(colleague.id).not.toBe(first.id);
    expect(colleague.id.startsWith('email:BN8PR04MB6321A1B2C3D4E5F6@')).toBe(true);
  });

  it('takes the thread’s root from References first, then In-Reply-To, then the message itself', () => {
    expect(threadRootOf(message({ references: ['root@x', 'mid@x'], inReplyTo: 'mid@x' }), 'a@x')).toBe('root@x');
    expect(threadRootOf(message({ inReplyTo: 'mid@x' }), 'a@x')).toBe('mid@x');
    expect(threadRootOf(message(), 'a@x')).toBe('m1@lakeside.example');
  });

  it('gives a message without a Message-ID a stable id from its date, sender and subject', () => {
    const bare = message({ messageId: undefined, date: new Date('2026-11-24T07:00:00Z') });
    expect(reportOf(bare).id).toBe(reportOf({ ...bare }).id);
    expect(reportOf(bare).id).not.toBe(reportOf({ ...bare, subject: 'Epic is down again' }).id);
    expect(reportOf(bare).id).toMatch(/^email:no-id:[0-9a-f]{16}\|[0-9a-f]{16}$/);
  });

  it('takes the facility of the sender’s domain or its parent, and none for a domain not listed', () => {
    expect(reportOf(message({ from: 'Rn.A@ICU.Lakeside.example' })).facility).toBe('lakeside');
    expect(reportOf(message({ from: 'rn.a@northgate.example' })).facility).toBeUndefined();
    expect(reportOf(message({ from: 'rn.a@notlakeside.example' })).facility).toBeUndefined();
  });

  it('dates a report by the server’s arrival, else the Date header, and neither when it lies ahead of the clock', () => {
    expect(reportOf(message({ date: new Date('2026-11-24T07:00:00Z') }), new Date('2026-11-24T07:00:05Z')).occurredAt).toBe('2026-11-24T07:00:05.000Z');
    expect(reportOf(message({ date: new Date('2026-11-24T07:00:00Z') })).occurredAt).toBe('2026-11-24T07:00:00.000Z');
    expect(reportOf(message({ date: new Date('2027-01-01T00:00:00Z') })).occurredAt).toBeUndefined();
  });

  it('cannot take a message without a sender or without any words', () => {
    expect(decideEmail(message({ from: undefined }), settings, undefined, NOW)).toEqual({ kind: 'unusable', why: 'it has no sender address (From)' });
    expect(decideEmail(message({ subject: '', text: ' \n' }), settings, undefined, NOW)).toEqual({ kind: 'unusable', why: 'it has neither a subject nor any text' });
  });
});

describe('automatic mail: no report, no loop', () => {
  it.each([
    ['an Exchange out-of-office reply', 'out-of-office.eml', 'Auto-Submitted: auto-replied'],
    ['a Postfix bounce', 'bounce.eml', 'Auto-Submitted: auto-replied'],
  ])('%s', async (_, file, why) => {
    expect(decideEmail(await eml(file), settings, undefined, NOW)).toEqual({ kind: 'automatic', why });
  });

  it.each([
    [{ 'auto-submitted': 'auto-generated' }, 'Auto-Submitted: auto-generated'],
    [{ 'x-autoreply': 'yes' }, 'an auto-reply header'],
    [{ 'x-autorespond': 'vacation' }, 'an auto-reply header'],
    [{ precedence: 'bulk' }, 'Precedence: bulk'],
    [{ precedence: 'Junk' }, 'Precedence: junk'],
    [{ precedence: 'auto_reply' }, 'Precedence: auto_reply'],
    [{ 'content-type': 'multipart/report' }, 'a delivery or read report (multipart/report)'],
    [{ 'return-path': '' }, 'a null return path (<>)'],
    [{ 'return-path': '<>' }, 'a null return path (<>)'],
  ])('%j', (headers, why) => {
    expect(automaticReason(message({ headers }))).toBe(why);
  });

  it('knows the mail system’s own senders', () => {
    expect(automaticReason(message({ from: 'MAILER-DAEMON@mx.lakeside.example' }))).toBe('a message from mailer-daemon');
    expect(automaticReason(message({ from: 'postmaster@lakeside.example' }))).toBe('a message from postmaster');
  });

  it('takes a person’s mail as a person’s: Auto-Submitted: no, a mailing list, an ordinary return path', () => {
    expect(automaticReason(message({ headers: { 'auto-submitted': 'no', precedence: 'list', 'return-path': 'rn.a@lakeside.example', 'content-type': 'text/plain' } }))).toBeUndefined();
  });
});

describe('a report’s text', () => {
  it('is the subject and what the person wrote: no signature, no disclaimer', async () => {
    const text = reportText(await eml('epic-frozen.eml'), 4000);
    expect(text.split('\n')[0]).toBe("Epic is frozen, can't sign orders on 4 West");
    expect(text).toContain('Three of us have restarted our workstations');
    expect(text).not.toMatch(/CONFIDENTIALITY|Robin Someone|4417/);
  });

  it('drops the reply prefix and the message replied to: Outlook’s block, Gmail’s “wrote:” and quotes, the -- signature', async () => {
    expect(reportText(await eml('same-thread-reply.eml'), 4000)).toBe("Epic is frozen, can't sign orders on 4 West\nStill frozen, now the MAR won't load either.");
    expect(reportText(await eml('colleague-reply.eml'), 4000)).toBe("Epic is frozen, can't sign orders on 4 West\nSame here on 5 East, Epic hangs on order sign.");
    const outlook = reportText(await eml('outlook-html-reply.eml'), 4000);
    expect(outlook).toContain('Images take over a minute to open in reading room 2.');
    expect(outlook).not.toContain('Can you tell us which reading room');
  });

  it('says attachments were not read, right after the subject', async () => {
    expect(reportText(await eml('html-with-attachment.eml'), 4000)).toBe('Label printer in ED triage [1 attachment not read]\nThe wristband printer in ED triage prints blank labels.\nPhoto of the error attached.');
    expect(reportText(message({ attachments: 3 }), 4000).split('\n')[0]).toBe('Epic is down [3 attachments not read]');
  });

  it('keeps an inline reply between quotes, and is clamped to maxChars', () => {
    expect(reportText(message({ subject: 'Re: Re: FW: PACS', text: '> which room?\nRoom 2\n> since when?\nsince 7' }), 4000)).toBe('PACS\nRoom 2\nsince 7');
    const long = reportText(message({ text: 'x'.repeat(500) }), 100);
    expect([...long]).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });
});
