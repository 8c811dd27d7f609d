import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import type { JournalEntry } from '../correlation/transition.js';
import { ChainKeys } from './chain-keys.js';
import { canonicalJson, chainRow, journalRowBody, legacyJournalLink, storedEntry } from './journal-chain.js';

const KEY = 'spec-chain-key-0123456789abcdefghijklmnop';
const keys = new ChainKeys([KEY]);

// Every stored row_hash depends on these bytes: a journal written by an earlier build must still
// verify, so the output is pinned (values computed by the createHash/Array.sort implementation).
const entry = {
  kind: 'child.attached' as const,
  incidentId: '7f0c0a52-3f0e-4a53-9d8e-1a2b3c4d5e6f',
  at: '2026-11-24T09:00:00.000Z',
  correlationId: 'c-1',
  childKey: 'am:fp1',
  data: { status: 'firing', Zeta: 1, alpha: [1, undefined, { b: 2, a: 'é' }], Ä: null, _u: undefined, ' sp': true },
  rule: { id: 'sig.default', version: 3 },
};

/** The definition the stored hashes were made with. */
function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => reference(v) ?? '').join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .filter((k) => record[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`);
  return `{${members.join(',')}}`;
}

describe('journal chain', () => {
  it('checks a row written before the chains were keyed exactly as it was hashed then', () => {
    expect(canonicalJson(entry.data)).toBe('{" sp":true,"Zeta":1,"alpha":[1,,{"a":"é","b":2}],"status":"firing","Ä":null}');
    expect(legacyJournalLink('sig-1', 42, 'a'.repeat(64), entry)).toBe('bbadf6808ea3e72c75ebc582a71aa27670af56fe9893a1ee09b0146dada38484');
  });

  it('links a row with an HMAC under the chain key, which a sha256 alone cannot forge', () => {
    const row = chainRow(keys, 'sig-1', 42, 'a'.repeat(64), entry);
    const body = journalRowBody('sig-1', 42, storedEntry(entry));

    expect(row.rowHash).toBe(createHmac('sha256', KEY).update('a'.repeat(64)).update(body).digest('hex'));
    expect(keys.holds('a'.repeat(64), body, row.rowHash)).toBe(true);
    expect(keys.holds('a'.repeat(64), body, createHash('sha256').update('a'.repeat(64)).update(body).digest('hex'))).toBe(false);
    expect(new ChainKeys(['another-key-0123456789abcdefghijklmnop']).holds('a'.repeat(64), body, row.rowHash)).toBe(false);
    // Rotated: the old key is kept, retired, and still verifies the rows it linked.
    expect(new ChainKeys(['the-next-key-0123456789abcdefghijklmnop', KEY]).holds('a'.repeat(64), body, row.rowHash)).toBe(true);
  });

  it('hashes an emoji cut in half as the U+FFFD PostgreSQL stores, and stores that', () => {
    // The helpdesk field cut at 127 UTF-16 units by the normalizer leaves half of an emoji at 126.
    const cut = `${'A'.repeat(126)}😀`.slice(0, 127);
    const row = chainRow(keys, `${cut}|sig`, 1, '0'.repeat(64), { ...entry, childKey: `${cut}|r:1`, data: { note: cut, [cut]: 1 } });

    expect(row.childKey).toBe(`${'A'.repeat(126)}\ufffd|r:1`);
    expect(row.data).toEqual({ note: `${'A'.repeat(126)}\ufffd`, [`${'A'.repeat(126)}\ufffd`]: 1 });
    // What PostgreSQL gives back: the text columns through UTF-8, the rest as written.
    const readBack = (text: string) => Buffer.from(text, 'utf8').toString('utf8');
    const stored: JournalEntry = { ...storedEntry(row), childKey: readBack(`${cut}|r:1`) };
    expect(keys.holds(row.prevHash, journalRowBody(readBack(row.signature), 1, stored), row.rowHash)).toBe(true);
  });

  it('orders keys as Array.prototype.sort does, for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string(), fc.constant(undefined))), (json, record) => {
        expect(canonicalJson(json)).toBe(reference(json));
        expect(canonicalJson(record)).toBe(reference(record));
      }),
      { numRuns: 500 },
    );
  });

  it('links any entry by the canonical JSON of the row as stored, and verifies from what is read back', () => {
    const text = fc.string({ unit: 'binary' });
    const entries = fc.record(
      {
        kind: fc.constantFrom('child.attached', 'incident.opened'),
        incidentId: text,
        correlationId: text,
        at: text,
        data: fc.dictionary(fc.string(), fc.jsonValue()),
        childKey: fc.oneof(text, fc.constant(undefined)),
        rule: fc.record({ id: text, version: fc.integer() }),
        // A member no column holds is not stored, so it is not hashed either.
        extra: fc.jsonValue(),
      },
      { requiredKeys: ['kind', 'data'] },
    );
    fc.assert(
      fc.property(fc.string(), fc.nat(), entries, (signature, seq, generated) => {
        const entry = generated as unknown as JournalEntry;
        const row = chainRow(keys, signature, seq, '0'.repeat(64), entry);
        const { extra: _extra, ...columns } = generated as Record<string, unknown>;
        const stored = JSON.parse(JSON.stringify(storedEntry(columns as unknown as JournalEntry))) as Record<string, unknown>;
        const expected = createHmac('sha256', KEY).update('0'.repeat(64)).update(reference({ signature, seq, ...stored })).digest('hex');
        expect(row.rowHash).toBe(expected);
        // Nothing in the row PostgreSQL would store differently from what was hashed.
        expect(JSON.stringify(row)).not.toMatch(/\\u(d[89a-f][0-9a-f]{2}|0000)/);
        expect(keys.holds(row.prevHash, journalRowBody(signature, seq, storedEntry(JSON.parse(JSON.stringify(row)) as JournalEntry)), row.rowHash)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('hashes only an entry’s own members, as a spread copies them', () => {
    const plain = { kind: 'child.attached' as const, incidentId: 'i', correlationId: 'c', at: 't', data: {} };
    const inherited: typeof plain = Object.assign(Object.create({ rule: { id: 'r', version: 1 } }) as typeof plain, plain);
    expect(chainRow(keys, 's', 1, '0'.repeat(64), inherited).rowHash).toBe(chainRow(keys, 's', 1, '0'.repeat(64), plain).rowHash);
  });
});
