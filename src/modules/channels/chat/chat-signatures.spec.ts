import { createHmac } from 'node:crypto';
import { verifySlackSignature } from './slack-signature.js';
import { verifyTeamsSignature } from './teams-signature.js';

// Slack's worked example, verbatim from docs.slack.dev "Verifying requests from Slack".
const SLACK_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const SLACK_TIMESTAMP = '1531420618';
const SLACK_BODY = Buffer.from(
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
);
const SLACK_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';
const SIGNED_AT = Number(SLACK_TIMESTAMP) * 1000;

describe('Slack request signatures', () => {
  const documented = { timestamp: SLACK_TIMESTAMP, signature: SLACK_SIGNATURE, body: SLACK_BODY };

  it("accepts Slack's documented example, within five minutes either side of corral's clock", () => {
    for (const now of [SIGNED_AT, SIGNED_AT + 299_000, SIGNED_AT - 299_000]) expect(verifySlackSignature(documented, SLACK_SECRET, now)).toEqual({ ok: true });
  });

  it('refuses it unsigned, altered, signed with another secret, or stale, saying which', () => {
    const refusals = [
      verifySlackSignature({ ...documented, signature: undefined }, SLACK_SECRET, SIGNED_AT),
      verifySlackSignature({ ...documented, timestamp: undefined }, SLACK_SECRET, SIGNED_AT),
      verifySlackSignature({ ...documented, body: Buffer.concat([SLACK_BODY, Buffer.from('x')]) }, SLACK_SECRET, SIGNED_AT),
      verifySlackSignature(documented, 'another-signing-secret-0123456789', SIGNED_AT),
      verifySlackSignature({ ...documented, signature: SLACK_SIGNATURE.toUpperCase() }, SLACK_SECRET, SIGNED_AT),
      verifySlackSignature({ ...documented, signature: 'v0=abc' }, SLACK_SECRET, SIGNED_AT),
      verifySlackSignature({ ...documented, timestamp: '1531420618.5' }, SLACK_SECRET, SIGNED_AT),
    ];
    for (const refusal of refusals) expect(refusal).toEqual({ ok: false, reason: expect.any(String) });
    expect(verifySlackSignature(documented, SLACK_SECRET, SIGNED_AT + 6 * 60_000)).toEqual({ ok: false, reason: expect.stringContaining('five minutes') });
    expect(verifySlackSignature(documented, SLACK_SECRET, SIGNED_AT - 6 * 60_000)).toEqual({ ok: false, reason: expect.stringContaining('five minutes') });
  });
});

describe('Teams outgoing webhook HMAC', () => {
  // The security token of Microsoft's own example (learn.microsoft.com, "Create an Outgoing Webhook").
  const key = Buffer.from('vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA=', 'base64');
  const body = Buffer.from('{"type":"message","text":"<at>corral</at> Epic is frozen"}');
  const hmac = (k: Buffer, b: Buffer) => `HMAC ${createHmac('sha256', k).update(b).digest('base64')}`;

  it('accepts the body signed with the base64-decoded token', () => {
    expect(verifyTeamsSignature(hmac(key, body), body, key)).toEqual({ ok: true });
  });

  it('refuses no header, another scheme, another body, or the token used undecoded', () => {
    const refusals = [
      verifyTeamsSignature(undefined, body, key),
      verifyTeamsSignature(hmac(key, body).replace('HMAC', 'Bearer'), body, key),
      verifyTeamsSignature(hmac(key, Buffer.from(`${body.toString()} `)), body, key),
      verifyTeamsSignature(hmac(Buffer.from('vqF0En+Z0ucuRTM/01o2GuhMH3hKKk/N2bOmlM31zaA='), body), body, key),
      verifyTeamsSignature('HMAC abc=', body, key),
    ];
    for (const refusal of refusals) expect(refusal).toEqual({ ok: false, reason: expect.any(String) });
  });
});
