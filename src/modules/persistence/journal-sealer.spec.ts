import { ChainKeys } from '../../actors/chain-keys.js';
import { chainRow, GENESIS_HASH } from '../../actors/journal-chain.js';
import type { JournalEntry } from '../../correlation/transition.js';
import { FORGOTTEN, MasterKey, openData, UNREADABLE, type SealedMembers } from './journal-cipher.js';
import { JournalSealer } from './journal-sealer.js';

const INCIDENT = '0f2d1c3e-aaaa-8bbb-accc-123456789012';
const entry = (kind: JournalEntry['kind'], data: Record<string, unknown>): JournalEntry => ({ kind, incidentId: INCIDENT, correlationId: 'c-1', at: '2026-11-24T07:00:00.000Z', data });
const master = new MasterKey('spec-master-key-0123456789abcdefghijklmnop');
const chainKeys = new ChainKeys(['spec-chain-key-0123456789abcdefghijklmnop']);

/** The sealer's new keys, unwrapped as a reader would find them in journal_key. */
function keysOf(sealer: JournalSealer): Map<string, Buffer | null> {
  return new Map(sealer.unsaved().map((k) => [k.id, master.unwrap(k.id, k.incident_id, Buffer.from(k.wrapped, 'base64')) ?? null]));
}

describe('JournalSealer', () => {
  it('given a row with codes only, when sealed, then it is the same row (no key, no copy)', () => {
    const sealer = new JournalSealer(master);
    const row = entry('child.attached', { status: 'firing', kind: 'alert', score: 0.8 });

    expect(sealer.seal(row)).toBe(row);
    expect(sealer.unsaved()).toEqual([]);
  });

  it('given a title, a note and requester tokens, when sealed, then none is left in the clear and a reader with the key gets them back', () => {
    const sealer = new JournalSealer(master);
    const data = { title: 'pt maria garcia cannot print', note: 'called ward 4', notify: ['tok-1', 'tok-2'], by: 'desk for kim', severity: 'high' };

    const stored = sealer.seal(entry('incident.acknowledged', data));

    expect(JSON.stringify(stored.data)).not.toMatch(/maria|ward 4|tok-1/);
    expect(stored.data).toEqual(expect.objectContaining({ by: 'desk for kim', severity: 'high' }));
    expect((stored.data.sealed as SealedMembers).fields).toEqual(['title', 'note', 'notify']);
    expect(openData(stored.data, INCIDENT, keysOf(sealer))).toEqual(data);
  });

  it('given a member nobody has classified yet, when sealed, then it is sealed (default-deny)', () => {
    const stored = new JournalSealer(master).seal(entry('incident.opened', { somethingNew: 'free text', system: 'pacs' }));

    expect(stored.data).toEqual({ system: 'pacs', sealed: expect.objectContaining({ fields: ['somethingNew'] }) as unknown });
  });

  it('given the key destroyed, then the sealed members read [forgotten] and the chain over the stored rows still verifies', () => {
    const sealer = new JournalSealer(master);
    const rows = [entry('incident.opened', { title: 'printer silent', system: 'pacs' }), entry('child.attached', { status: 'firing' }), entry('incident.resolved', { note: 'reseated' })];
    const chained = rows.reduce<Array<ReturnType<typeof chainRow>>>((all, e, i) => [...all, chainRow(chainKeys, 'sig', i + 1, all.at(-1)?.rowHash ?? GENESIS_HASH, sealer.seal(e))], []);
    const destroyed = new Map([...keysOf(sealer).keys()].map((id) => [id, null]));

    expect(chained.map((row) => openData(row.data, INCIDENT, destroyed))).toEqual([{ system: 'pacs', title: FORGOTTEN }, { status: 'firing' }, { note: FORGOTTEN }]);
    // What verify does: rebuild each row's hash from what is stored.
    let previous = GENESIS_HASH;
    for (const { signature, seq, prevHash: _p, rowHash, ...stored } of chained) {
      expect(chainRow(chainKeys, signature, seq, previous, stored).rowHash).toBe(rowHash);
      previous = rowHash;
    }
  });

  it('given another master key, then the data keys do not unwrap and sealed members read [unreadable]', () => {
    const sealer = new JournalSealer(master);
    const stored = sealer.seal(entry('incident.opened', { title: 'printer silent' }));
    const [key] = sealer.unsaved();
    const other = new MasterKey('another-master-key-0123456789abcdefghijkl');

    expect(other.unwrap(key.id, key.incident_id, Buffer.from(key.wrapped, 'base64'))).toBeUndefined();
    expect(openData(stored.data, INCIDENT, new Map())).toEqual({ title: UNREADABLE });
  });

  it('given a key moved to another incident, then it does not open (the box is bound to its incident)', () => {
    const sealer = new JournalSealer(master);
    const stored = sealer.seal(entry('incident.opened', { title: 'printer silent' }));

    expect(openData(stored.data, '11111111-aaaa-8bbb-accc-123456789012', keysOf(sealer))).toEqual({ title: UNREADABLE });
  });

  it('given keys saved by a commit, then they are no longer carried; an incident forgotten gets a new key', () => {
    const sealer = new JournalSealer(master);
    sealer.seal(entry('incident.opened', { title: 'a' }));
    const [first] = sealer.unsaved();
    sealer.saved([first.id]);
    sealer.seal(entry('incident.resolved', { note: 'b' }));
    expect(sealer.unsaved()).toEqual([]);

    sealer.forget([INCIDENT]);
    sealer.seal(entry('incident.reopened', { note: 'c' }));
    expect(sealer.unsaved().map((k) => k.id)).not.toContain(first.id);
    expect(sealer.unsaved()).toHaveLength(1);
  });
});
