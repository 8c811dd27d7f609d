import fc from 'fast-check';
import { createHash } from 'node:crypto';
import type { JournalEntry } from '../correlation/evolve.js';
import { canonicalJson, chainRow } from './journal-chain.js';

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
  it('hashes a row exactly as rows already stored were hashed', () => {
    expect(canonicalJson(entry.data)).toBe('{" sp":true,"Zeta":1,"alpha":[1,,{"a":"é","b":2}],"status":"firing","Ä":null}');
    expect(chainRow('sig-1', 42, 'a'.repeat(64), entry).rowHash).toBe('bbadf6808ea3e72c75ebc582a71aa27670af56fe9893a1ee09b0146dada38484');
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

  it('hashes any entry as the canonical JSON of the whole row, known shape or not', () => {
    const text = fc.string();
    const entries = fc.record(
      {
        kind: fc.constantFrom('child.attached', 'incident.opened'),
        incidentId: text,
        correlationId: text,
        at: text,
        data: fc.dictionary(fc.string(), fc.jsonValue()),
        childKey: fc.oneof(text, fc.constant(undefined)),
        rule: fc.record({ id: text, version: fc.integer() }),
        // Members rows do not have today: the general path must still hash them in.
        extra: fc.jsonValue(),
      },
      { requiredKeys: ['kind', 'data'] },
    );
    fc.assert(
      fc.property(fc.string(), fc.nat(), entries, (signature, seq, generated) => {
        const entry = generated as unknown as JournalEntry;
        const expected = createHash('sha256').update('0'.repeat(64)).update(reference({ signature, seq, ...entry })).digest('hex');
        expect(chainRow(signature, seq, '0'.repeat(64), entry).rowHash).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it('hashes only an entry’s own members, as a spread copies them', () => {
    const plain = { kind: 'child.attached' as const, incidentId: 'i', correlationId: 'c', at: 't', data: {} };
    const inherited: typeof plain = Object.assign(Object.create({ rule: { id: 'r', version: 1 } }) as typeof plain, plain);
    expect(chainRow('s', 1, '0'.repeat(64), inherited).rowHash).toBe(chainRow('s', 1, '0'.repeat(64), plain).rowHash);
  });
});
