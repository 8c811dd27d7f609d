import fc from 'fast-check';
import { assembleBlastRadius, type IncidentRecord, type ParentRecord, type SpreadRecord } from './blast-radius.compute.js';
import { LiveBlastRadius } from './blast-radius.live.js';
import { withAges } from './blast-radius.service.js';

const T0 = Date.parse('2026-11-24T07:00:00.000Z');
const IDS = ['a1', 'a2', 'b1', 'b2', 'c1', 'c2', 'd1', 'd2'];
const FACILITIES = ['overlake', 'bellevue', 'kirkland', 'redmond'];
const ACTIVE = new Set(['open', 'acknowledged', 'flapping']);

/** An incident as the read models hold it: its row, children's spread, requester tokens; `rev` stands for its xmin. */
interface Stored {
  rev: number;
  row: IncidentRecord;
  spread: SpreadRecord[];
  tokens: string[];
}

const minutes = (n: number) => new Date(T0 + n * 60_000);

const aWrite = fc.record({
  id: fc.constantFrom(...IDS),
  status: fc.constantFrom('open', 'acknowledged', 'flapping', 'resolved', 'merged'),
  // 'urgent' and 'P9' share the lowest rank: the listing order, not the counts, says which is a group's worst.
  priority: fc.constantFrom('P1', 'P2', 'P3', 'P4', 'P9', 'urgent'),
  system: fc.constantFrom('epic-adt', 'lab-interface', 'pacs'),
  queue: fc.option(fc.constantFrom('application-support', 'integration'), { nil: null }),
  parentId: fc.option(fc.constantFrom(...IDS), { nil: null }),
  facilities: fc.uniqueArray(fc.constantFrom(...FACILITIES), { maxLength: 3 }),
  departments: fc.uniqueArray(fc.constantFrom('ed', 'icu', 'lab'), { maxLength: 2 }),
  // Few distinct instants, so incidents tie on priority and age and the id decides.
  opened: fc.integer({ min: 0, max: 3 }),
  childCount: fc.nat(40),
  distinctRequesters: fc.nat(20),
  patientImpact: fc.boolean(),
  facilityName: fc.option(fc.constantFrom('Overlake Medical Center', 'Bellevue'), { nil: null }),
  spread: fc.uniqueArray(
    fc.record({
      facility: fc.option(fc.constantFrom(...FACILITIES), { nil: null }),
      departments: fc.uniqueArray(fc.constantFrom('ed', 'icu', 'lab'), { maxLength: 2 }),
      childCount: fc.integer({ min: 1, max: 30 }),
      requesters: fc.nat(10),
    }),
    { selector: (s) => s.facility, maxLength: 3 },
  ),
  tokens: fc.uniqueArray(fc.constantFrom('r1', 'r2', 'r3', 'r4', 'r5', 'r6'), { maxLength: 4 }),
  // Minutes after T0 at which the answer is asked for: entries built earlier get their ages moved on.
  askedAt: fc.integer({ min: 10, max: 600 }),
});

describe('LiveBlastRadius', () => {
  it('after any sequence of writes (open, update, close, reopen, a parent changing), answers exactly what assembling from scratch answers', () => {
    fc.assert(
      fc.property(fc.array(aWrite, { minLength: 1, maxLength: 40 }), (writes) => {
        const world = new Map<string, Stored>();
        const live = new LiveBlastRadius();
        for (const w of writes) {
          const row: IncidentRecord = {
            id: w.id,
            status: w.status,
            priority: w.priority,
            system: w.system,
            queue: w.queue,
            parentId: w.parentId === w.id ? null : w.parentId,
            facilities: w.facilities,
            departments: w.departments,
            childCount: w.childCount,
            distinctRequesters: w.distinctRequesters,
            patientImpact: w.patientImpact,
            openedAt: minutes(w.opened),
            firstSeen: minutes(w.opened),
            lastSeen: minutes(w.opened + 5),
            facilityName: w.facilityName,
            departmentName: null,
          };
          const spread = w.spread.map((s) => ({ incidentId: w.id, ...s }));
          world.set(w.id, { rev: (world.get(w.id)?.rev ?? 0) + 1, row, spread, tokens: w.tokens });

          // What the database would answer: active incidents keyed by their xmin and their parent's.
          const parentOf = (row: IncidentRecord): ParentRecord | undefined => {
            const parent = row.parentId ? world.get(row.parentId)?.row : undefined;
            return parent ? { id: parent.id, system: parent.system, status: parent.status } : undefined;
          };
          const active = new Map<string, string>();
          for (const [id, s] of world) if (ACTIVE.has(s.row.status)) active.set(id, `${s.rev}/${s.row.parentId ? (world.get(s.row.parentId)?.rev ?? '-') : ''}`);
          const read = (id: string) => {
            const s = world.get(id) as Stored;
            return { row: s.row, spread: s.spread, tokens: s.tokens, parent: parentOf(s.row) };
          };
          const at = minutes(w.askedAt);
          live.update(active, live.stale(active).map(read), at);

          const open = [...active.keys()].map(read);
          const scratch = assembleBlastRadius({
            mode: 'now',
            at,
            incidents: open.map((o) => o.row),
            spread: open.flatMap((o) => o.spread),
            parents: open.flatMap((o) => (o.parent ? [o.parent] : [])),
            peopleAffected: new Set(open.flatMap((o) => o.tokens)).size,
          });
          expect(withAges(live.answer(at), at)).toStrictEqual(scratch);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('re-reads only the incidents whose key changed; one not read (yet) keeps its last entry, or none, until it is', () => {
    const live = new LiveBlastRadius();
    const row = (id: string): IncidentRecord => ({
      id,
      status: 'open',
      priority: 'P2',
      system: 'epic-adt',
      queue: null,
      parentId: null,
      facilities: ['overlake'],
      departments: [],
      childCount: 1,
      distinctRequesters: 1,
      patientImpact: false,
      openedAt: minutes(0),
      firstSeen: minutes(0),
      lastSeen: minutes(1),
      facilityName: null,
      departmentName: null,
    });
    const at = minutes(10);
    const first = new Map([
      ['a1', '7'],
      ['a2', '8'],
    ]);
    live.update(first, [{ row: row('a1'), spread: [], tokens: ['r1'], parent: undefined }], at);
    expect(live.answer(at).incidents.map((i) => i.id)).toEqual(['a1']);
    expect(live.stale(first)).toEqual(['a2']);

    const second = new Map([
      ['a1', '9'],
      ['a2', '8'],
    ]);
    expect(live.stale(second)).toEqual(['a1', 'a2']);
    live.update(second, [{ row: row('a2'), spread: [], tokens: ['r1', 'r2'], parent: undefined }], at);
    // a1 is still shown as it was read at key 7 until it is read again; a2 arrived.
    expect(live.answer(at).totals).toEqual(expect.objectContaining({ incidents: 2, peopleAffected: 2 }));
    live.update(new Map([['a2', '8']]), [], at);
    expect(live.answer(at).totals).toEqual(expect.objectContaining({ incidents: 1, peopleAffected: 2 }));
  });
});
