import { imapTrouble } from './imap-trouble.js';

const email = { host: 'imap.lakeside.example', port: 993, tls: true as const, mailbox: 'INBOX' };
const failure = (fields: Record<string, unknown>, message = 'failed') => Object.assign(new Error(message), fields);

describe('what went wrong with the mailbox server, and what to do', () => {
  it.each([
    ['a refused login', failure({ authenticationFailed: true, responseText: 'Authentication failed.' }), /^imap\.lakeside\.example:993 refused the login \(Authentication failed\.\): check email\.user and the password/],
    ['a missing mailbox', failure({ mailboxMissing: true }, 'Mailbox does not exist'), /has no mailbox "INBOX" .*: check email\.mailbox$/],
    ['an untrusted certificate', failure({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, 'self-signed certificate'), /^TLS with imap\.lakeside\.example:993 failed .*NODE_EXTRA_CA_CERTS/],
    ['a server that is down', failure({ code: 'ECONNREFUSED' }), /^cannot reach imap\.lakeside\.example:993 \(ECONNREFUSED\): is the server up/],
    ['a server that does not answer', failure({ code: 'GREETING_TIMEOUT' }), /did not answer in time \(GREETING_TIMEOUT\): a firewall .* tls: true\?$/],
    ['anything else', failure({ code: 'NoConnection' }, 'Connection not available'), /^imap\.lakeside\.example:993: Connection not available \(NoConnection\)$/],
  ])('%s', (_, error, says) => {
    expect(imapTrouble(error, email)).toMatch(says);
  });

  it('scrubs what the server said: it may quote what it was sent', () => {
    expect(imapTrouble(failure({ responseText: 'no such message for pt Carolee951 Sanford861 MRN 7654321' }), email)).not.toMatch(/Carolee951|7654321/);
  });
});
