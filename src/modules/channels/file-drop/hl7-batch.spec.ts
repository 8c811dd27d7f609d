import { normalizeHl7 } from '../../ingest/sources/hl7.js';
import { context, eventsOf } from '../../ingest/sources/spec-support.js';
import { hl7TimeOf, readsAsHl7Time, splitHl7Batch, withStableIdentity } from './hl7-batch.js';

const nack = (controlId: string, time = '20261124070000', acked = `M${controlId}`) => `MSH|^~\\&|LIS|LAKESIDE|EHR|LAKESIDE|${time}||ACK^R01^ACK|${controlId}|P|2.5.1\rMSA|AE|${acked}\rERR||OBX^1^5|207^Application internal error^HL70357|E||||Result code not mapped`;
const FILE = { fileDigest: 'ab'.repeat(32), fileTime: '20261124080000+0000' };

describe('splitHl7Batch', () => {
  it('splits an FHS/BHS batch into its messages, drops the envelope, and numbers lines as an editor does, whatever the line ends', () => {
    const text = ['FHS|^~\\&|LIS|LAKESIDE|||20261124065500', 'BHS|^~\\&|LIS|LAKESIDE|||20261124065900', ...nack('1').split('\r'), ...nack('2').split('\r'), 'BTS|2', 'FTS|1'];
    for (const eol of ['\r', '\n', '\r\n']) {
      const batch = splitHl7Batch(text.join(eol) + eol);

      expect(batch.stray).toEqual([]);
      expect(batch.messages.map((m) => [m.line, m.batchTime, m.text.split('\r').map((s) => s.slice(0, 3))])).toEqual([
        [3, '20261124065900', ['MSH', 'MSA', 'ERR']],
        [6, '20261124065900', ['MSH', 'MSA', 'ERR']],
      ]);
    }
  });

  it('takes a plain file of consecutive messages, MLLP-framed or not, and dates a message by its own batch', () => {
    const framed = [nack('1'), nack('2')].map((m) => `\x0b${m}\x1c\r`).join('');
    expect(splitHl7Batch(framed).messages.map((m) => m.text)).toEqual([nack('1'), nack('2')]);
    // Frames glued without a line break still end their segment.
    expect(splitHl7Batch(`\x0b${nack('1')}\x1c\x0b${nack('2')}\x1c`).messages).toHaveLength(2);

    const two = splitHl7Batch(['FHS|^~\\&|||||20261124060000', 'BHS|^~\\&|||||20261124061000', nack('1'), 'BTS|1', 'BHS|^~\\&|||||not-a-time', nack('2'), 'BTS|1', 'FTS|2'].join('\r'));
    expect(two.messages.map((m) => m.batchTime)).toEqual(['20261124061000', '20261124060000']);
  });

  it('names lines before the first MSH that are not an envelope, and finds no message in text that has none', () => {
    expect(splitHl7Batch(`hello\r\rFHS|^~\\&\r${nack('1')}`)).toMatchObject({ stray: [1], messages: [{ line: 4 }] });
    expect(splitHl7Batch('id,symptom\n1,ADT feed down\n')).toEqual({ messages: [], stray: [1, 2] });
    expect(splitHl7Batch('')).toEqual({ messages: [], stray: [] });
  });
});

describe('withStableIdentity', () => {
  const msh = (text: string) => text.split('\r')[0]?.split('|') ?? [];

  it('keeps a message that names itself and its time as it is', () => {
    const [message] = withStableIdentity([{ line: 1, text: nack('A1') }], FILE);

    expect(message?.text).toBe(nack('A1'));
  });

  it('gives a message without a control id, or with one an earlier message used, one made of the file digest and its place', () => {
    const messages = withStableIdentity([nack(''), nack('C'), nack('C'), nack('D')].map((text, i) => ({ line: i * 3 + 1, text })), FILE);

    expect(messages.map((m) => msh(m.text)[9])).toEqual([`F${'ab'.repeat(8)}N0`, 'C', `F${'ab'.repeat(8)}N2`, 'D']);
    // Only MSH-10 changed: the rest of the segment and the other segments are as written.
    expect(messages[2]?.text.replace(`F${'ab'.repeat(8)}N2`, 'C')).toBe(nack('C'));
  });

  it('dates a message without a readable MSH-7 by its batch, else by the file, and fills MSH-3 and MSH-4 from the drop only when empty', () => {
    const undated = 'MSH|^~\\&|||||||ACK\rMSA|AR|X';
    const [inBatch, alone, named] = withStableIdentity(
      [
        { line: 1, text: undated, batchTime: '20261124061000' },
        { line: 3, text: nack('B', '2026-11-24 07:00') },
        { line: 5, text: nack('C') },
      ],
      { ...FILE, system: 'lis-feed', facility: 'overlake' },
    );

    expect(msh(inBatch?.text ?? '').slice(2, 10)).toEqual(['lis-feed', 'overlake', '', '', '20261124061000', '', 'ACK', `F${'ab'.repeat(8)}N0`]);
    expect(msh(alone?.text ?? '')[6]).toBe(FILE.fileTime);
    expect(msh(named?.text ?? '').slice(2, 4)).toEqual(['LIS', 'LAKESIDE']);
  });

  it('makes the hl7 adapter give the same events however much later the file is read again, and distinct ones for distinct messages', () => {
    const file = [nack(''), nack(''), 'MSH|^~\\&|LIS|LAKESIDE||||||\rMSA|AE|Z\rERR||||E||||late'].map((text, i) => ({ line: i + 1, text }));
    const read = (receivedAt: string) =>
      withStableIdentity(file, FILE).flatMap((m) => eventsOf(normalizeHl7(m.text, { ...context, receivedAt: new Date(receivedAt) })));
    const first = read('2026-11-24T09:00:00Z');
    const again = read('2026-11-25T09:00:00Z');

    expect(first.map((e) => [e.id, e.occurredAt])).toEqual(again.map((e) => [e.id, e.occurredAt]));
    expect(new Set(first.map((e) => e.id)).size).toBe(3);
    expect(first[2]?.occurredAt).toBe('2026-11-24T08:00:00.000Z');
  });
});

describe('HL7 times', () => {
  it('reads what the hl7 adapter reads, and writes UTC', () => {
    expect(['2026', '20261124', '20261124070000.123', '20150625121047.853-0500'].every(readsAsHl7Time)).toBe(true);
    expect(['', '2026-11-24', '20261124^S', '20261340000000'].some(readsAsHl7Time)).toBe(false);
    expect(hl7TimeOf(Date.parse('2026-11-24T07:05:09.500Z'))).toBe('20261124070509+0000');
  });
});
