import { replyText } from './reply-text.js';

describe('what a person wrote, without what the mail program added', () => {
  it.each([
    ['a sign-off and the name under it', 'Epic is down on 4 West.\n\nThanks,\nRobin Someone, RN\nExt. 4417', 'Epic is down on 4 West.'],
    ['an RFC 3676 signature', 'Scanner offline.\n-- \nDana Reyes\n555-0100', 'Scanner offline.'],
    ['Outlook’s separator and header block', 'Still down.\r\n\r\n________________________________\r\nFrom: IT\r\nSent: Tuesday\r\nSubject: x\r\n\r\nold text', 'Still down.'],
    ['Outlook’s header block without the separator', 'Still down.\nFrom: IT Service Desk <it@x.example>\nSent: Tuesday, November 24, 2026 7:01 AM\nold text', 'Still down.'],
    ['a forwarded message marker', 'See below.\n---------- Forwarded message ---------\nFrom: a\nerror text', 'See below.'],
    ['an original message marker', 'Same again.\n-----Original Message-----\nFrom: a', 'Same again.'],
    ['Gmail’s one-line “wrote:”', 'Yes, room 2.\n\nOn Tue, Nov 24, 2026 at 7:01 AM IT <it@x.example> wrote:\n> which room?', 'Yes, room 2.'],
    ['a German client’s “schrieb:”', 'Ja, Raum 2.\nAm 24.11.2026 um 07:01 schrieb IT <it@x.example>:\n> Welcher Raum?', 'Ja, Raum 2.'],
    ['a Spanish client’s “escribió:”', 'Sí.\nEl mar, 24 nov 2026 a las 7:01, IT (<it@x.example>) escribió:\n> ¿Qué sala?', 'Sí.'],
    ['a phone’s footer', 'Printer jammed.\n\nSent from my iPhone', 'Printer jammed.'],
    ['a disclaimer', 'Fax down.\n\nThis e-mail, including any attachments, is confidential and intended only for the recipient.', 'Fax down.'],
  ])('drops %s', (_, body, kept) => {
    expect(replyText(body)).toBe(kept);
  });

  it('keeps what it does not recognise, and a first line that happens to read like a sign-off', () => {
    expect(replyText('Thanks, the pump on bed 4 alarms again\nsince 7am')).toBe('Thanks, the pump on bed 4 alarms again\nsince 7am');
    expect(replyText('Thanks\nthe badge reader is still down')).toBe('Thanks\nthe badge reader is still down');
    expect(replyText('From: the ED\nour printers are all offline')).toBe('From: the ED\nour printers are all offline');
  });
});
