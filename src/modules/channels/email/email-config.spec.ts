import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEmailSection } from './email-config.js';

const env = { MAILBOX_PASSWORD: 'app-password-example' };
const parse = (raw: unknown, environment: NodeJS.ProcessEnv = env) => {
  const problems: string[] = [];
  return { config: parseEmailSection(raw, environment, problems), problems };
};

describe('the email: section of the channels file', () => {
  it('is off without a section', () => {
    expect(parse(undefined)).toEqual({ config: undefined, problems: [] });
  });

  it('needs a host, an account and where its password is; everything else has a default', () => {
    expect(parse({ host: 'imap.lakeside.example', user: 'it-reports@lakeside.example', passwordEnv: 'MAILBOX_PASSWORD' })).toEqual({
      problems: [],
      config: {
        host: 'imap.lakeside.example',
        port: 993,
        tls: true,
        user: 'it-reports@lakeside.example',
        password: 'app-password-example',
        mailbox: 'INBOX',
        processedMailbox: 'corral/processed',
        failedMailbox: 'corral/failed',
        pollMs: 60_000,
        facilityByDomain: {},
        maxChars: 4_000,
      },
    });
  });

  it('reads every setting, the password from a mounted file, and STARTTLS on 143', () => {
    const dir = mkdtempSync(join(tmpdir(), 'corral-email-spec-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'from-a-file\n');
    const { config, problems } = parse({
      host: 'mail.lakeside.example',
      tls: 'starttls',
      user: 'svc-corral',
      passwordFile: file,
      mailbox: 'Shared/IT Reports',
      processedMailbox: 'Shared/IT Reports/done',
      failedMailbox: 'Shared/IT Reports/failed',
      poll: '2m',
      facilityByDomain: { 'Lakeside.example': 'lakeside', 'northgate.example': 'northgate' },
      maxChars: 2000,
    });
    rmSync(dir, { recursive: true });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({ port: 143, tls: 'starttls', password: 'from-a-file', pollMs: 120_000, facilityByDomain: { 'lakeside.example': 'lakeside', 'northgate.example': 'northgate' }, maxChars: 2000 });
  });

  it('allows cleartext only for a server on this machine', () => {
    expect(parse({ host: '127.0.0.1', tls: false, port: 10143, user: 'corral', passwordEnv: 'MAILBOX_PASSWORD' }).config).toMatchObject({ tls: false, port: 10143 });
    expect(parse({ host: 'mail.lakeside.example', tls: false, user: 'corral', passwordEnv: 'MAILBOX_PASSWORD' }).problems).toEqual([expect.stringMatching(/^email\.tls: false sends the mailbox password in the clear; .*not mail\.lakeside\.example/)]);
  });

  it('names the key of every mistake, all at once', () => {
    const { config, problems } = parse(
      {
        host: '',
        tls: 'yes',
        port: 99999,
        passwordEnv: 'UNSET_VARIABLE',
        mailbox: 'INBOX',
        processedMailbox: 'inbox',
        poll: 'often',
        facilityByDomain: { 'not a domain': 'x', 'riverbend.example': 'River Bend' },
        maxChars: 5,
        folder: 'INBOX',
      },
      {},
    );
    expect(config).toBeUndefined();
    expect(problems).toEqual([
      'email.folder: unknown key (keys: host, port, tls, user, passwordEnv, passwordFile, mailbox, processedMailbox, failedMailbox, poll, facilityByDomain, maxChars)',
      'email.host: must be a non-empty string',
      expect.stringMatching(/^email\.tls: must be true \(IMAPS, port 993\), starttls/),
      expect.stringMatching(/^email\.port: must be a port number/),
      'email.user: is required',
      'email.passwordEnv: names UNSET_VARIABLE, which is not set',
      'email.processedMailbox: mailbox, processedMailbox and failedMailbox must be three different folders',
      'email.poll: must be a duration between 1s and 1h, such as 60s',
      'email.facilityByDomain.not a domain: is not a domain name (such as lakeside.example)',
      'email.facilityByDomain.riverbend.example: must be a facility code (letters, digits, . _ -), as the rules name it',
      'email.maxChars: must be a whole number between 100 and 100000',
    ]);
  });

  it('keeps the password out of the file: one of passwordEnv or passwordFile, and a file that can be read', () => {
    expect(parse({ host: 'h.example', user: 'u', password: 'secret' }).problems).toEqual([
      expect.stringMatching(/^email\.password: unknown key/),
      'email.passwordEnv: or passwordFile is required: the mailbox password (or app password) never sits in the channels file',
    ]);
    expect(parse({ host: 'h.example', user: 'u', passwordEnv: 'MAILBOX_PASSWORD', passwordFile: '/x' }).problems).toEqual(['email.passwordEnv: and passwordFile are both set: give one']);
    expect(parse({ host: 'h.example', user: 'u', passwordFile: '/nonexistent/corral-password' }).problems).toEqual(['email.passwordFile: /nonexistent/corral-password cannot be read (ENOENT)']);
  });

  it('refuses a section that is not a mapping', () => {
    expect(parse(['imap.example']).problems).toEqual(['email: must be a mapping (host, user, passwordEnv, …)']);
  });
});
