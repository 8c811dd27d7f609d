import { readFileSync } from 'node:fs';
import { readEmail } from './email-message.js';
import { MAX_SOURCE_BYTES } from './mailbox-pass.js';

const eml = (name: string) => readFileSync(new URL(`../../../../test/fixtures/channels/email/${name}`, import.meta.url));

describe('an e-mail, as corral reads it', () => {
  it('takes identity, sender and decoded words of a plain-text message (quoted-printable)', async () => {
    const message = await readEmail(eml('epic-frozen.eml'));
    expect(message).toMatchObject({
      messageId: 'BN8PR04MB6321A1B2C3D4E5F6@BN8PR04MB6321.namprd04.prod.outlook.example',
      references: [],
      from: 'rn.someone@lakeside.example',
      subject: "Epic is frozen, can't sign orders on 4 West",
      attachments: 0,
      date: new Date('2026-11-24T07:01:12Z'),
    });
    expect(message.text).toContain('Epic freezes as soon as we try to sign orders on 4 West.');
    expect(message.text).toContain('Robin Someone, RN – 4 West');
    expect(message.inReplyTo).toBeUndefined();
  });

  it('keeps the thread: In-Reply-To and every References id, without angle brackets', async () => {
    expect(await readEmail(eml('outlook-html-reply.eml'))).toMatchObject({
      inReplyTo: 'SA1PR04MB9999000011112222@SA1PR04MB9999.namprd04.prod.outlook.example',
      references: ['SA1PR04MB9999FIRSTFIRST@SA1PR04MB9999.namprd04.prod.outlook.example', 'SA1PR04MB9999000011112222@SA1PR04MB9999.namprd04.prod.outlook.example'],
    });
  });

  it('gives an HTML-only body beside an attachment its text, and counts the attachment without keeping it', async () => {
    const message = await readEmail(eml('html-with-attachment.eml'));
    expect(message.text).toContain('The wristband printer in ED triage prints blank labels.');
    expect(message.text).not.toContain('<div');
    expect(message.attachments).toBe(1);
    expect(JSON.stringify(message)).not.toContain('iVBORw0KGgo');
  });

  it('reads the words of a message cut off in its attachment, as the reader fetches a large one', async () => {
    const scan = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
    const large = eml('html-with-attachment.eml').toString().replace(/^iVBORw0KGgo.*$/m, scan);
    const message = await readEmail(Buffer.from(large).subarray(0, MAX_SOURCE_BYTES));
    expect(message.text).toContain('The wristband printer in ED triage prints blank labels.');
    expect(message.attachments).toBe(1);
  });

  it('decodes an encoded subject and a base64 body, so the privacy filter sees the words', async () => {
    const message = await readEmail(eml('patient-named.eml'));
    expect(message.subject).toBe('Epic froze on pt Carolee951 Sanford861 MRN d88f994a-5efa-421d-9c40-5f116d2114a6');
    expect(message.text).toContain('Mrs. Carolee951 Sanford861');
  });

  it('keeps the headers that mark automatic mail', async () => {
    expect((await readEmail(eml('bounce.eml'))).headers).toMatchObject({ 'auto-submitted': 'auto-replied', 'content-type': 'multipart/report', 'return-path': '' });
    expect((await readEmail(eml('out-of-office.eml'))).headers).toMatchObject({ 'auto-submitted': 'auto-replied' });
    expect((await readEmail(eml('epic-frozen.eml'))).headers).toMatchObject({ 'content-type': 'text/plain', 'return-path': expect.stringContaining('rn.someone@lakeside.example') });
  });

  it('reads a message without Message-ID, From or body as far as it goes', async () => {
    expect(await readEmail('Subject: hello\r\n\r\n')).toEqual({ references: [], subject: 'hello', text: '', attachments: 0, headers: {} });
  });
});
