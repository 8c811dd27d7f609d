import { nameEvent, problemClassOf, systemRule, systemsNamedIn, withFacilityTokens, withinOneEdit } from './names.js';
import { codeToken } from './privacy.js';
import { RuleError } from './rules.js';
import { signatureOf } from './signature.js';
import { anEvent, aReport, testRules } from './test-events.js';

const rulesInput = {
  systems: [
    { id: 'sys.epic', version: 1, system: 'epic-hyperspace', codes: ['epic', 'EPIC-PROD', 'hyperspace'], names: ['Epic', 'Hyperspace', 'Haiku'], scope: 'shared', class: 'ehr' },
    { id: 'sys.rhapsody', version: 1, system: 'rhapsody', codes: ['rhapsody-*'], names: ['Rhapsody'], scope: 'shared', class: 'interface-engine' },
    { id: 'sys.printers', version: 1, system: 'printer*', codes: ['*printer*'], names: ['printer'], scope: 'local', class: 'printer' },
    { id: 'sys.pyxis-interface', version: 1, system: 'pyxis-interface', codes: ['*_to_pyxis'], scope: 'shared', class: 'interface-engine' },
  ],
  facilities: [{ id: 'fac.lakeside', version: 1, facility: 'lakeside', codes: ['LKS', 'lakeside-medical-center'] }],
  problems: [{ id: 'problem.unavailable', version: 1, class: 'unavailable', words: ['down', 'probe failed', 'timed out', 'frozen', "can't get into"] }],
};
const rules = testRules(rulesInput);

describe('names: codes compared without case, aliases, systems named in words', () => {
  it('puts a system and a facility in the form the rules declare, whatever case or alias the sender used', () => {
    const { event, namedBy } = nameEvent(anEvent({ system: 'EPIC-PROD', facility: 'LKS' }), rules.lexicon);
    expect(event.system).toBe('epic-hyperspace');
    expect(event.facility).toBe('lakeside');
    expect(namedBy).toEqual([{ id: 'sys.epic', version: 1 }, { id: 'fac.lakeside', version: 1 }]);
    expect(nameEvent(anEvent({ system: 'RHAPSODY-LAB-PROD', facility: 'LAKESIDE' }), rules.lexicon).event).toMatchObject({ system: 'rhapsody', facility: 'lakeside' });
  });

  it('knows a facility the rules name in words by the token privacy makes of it, in the casings senders write, and nothing else by it', () => {
    const key = 'a-test-token-key';
    const worded = withFacilityTokens(testRules({ facilities: [{ id: 'fac.pellcreek', version: 1, facility: 'pellcreek', codes: ['pcr', 'Pell Creek'] }] }), (value) => codeToken(key, value));
    for (const written of ['Pell Creek', 'pell creek', 'PELL CREEK']) {
      expect(nameEvent(aReport('r1', 'wristband printer blank', { facility: codeToken(key, written) }), worded.lexicon).event.facility).toBe('pellcreek');
    }
    // Another key's token (another deployment's), or another place's: not this facility.
    expect(nameEvent(aReport('r2', 'wristband printer blank', { facility: codeToken('another-key', 'Pell Creek') }), worded.lexicon).event.facility).not.toBe('pellcreek');
    expect(nameEvent(aReport('r3', 'wristband printer blank', { facility: codeToken(key, 'Marten Lake') }), worded.lexicon).event.facility).not.toBe('pellcreek');
  });

  it('knows a facility by the short form people say of its name, and not by a word too short to be a place', () => {
    const shortened = testRules({
      facilities: [
        { id: 'fac.cedarbluff', version: 1, facility: 'cedarbluff', codes: ['CBCH', 'Cedar Bluff Community Hospital'] },
        { id: 'fac.main', version: 1, facility: 'mainst', codes: ['Main Hospital'] },
        { id: 'fac.general', version: 1, facility: 'gh', codes: ['General Hospital'] },
        { id: 'fac.stmary-north', version: 1, facility: 'smn', codes: ["St Mary's Hospital"] },
        { id: 'fac.stmary-south', version: 1, facility: 'sms', codes: ["St Mary's Medical Center"] },
      ],
    });
    // A short form made only of words that say what kind of place it is, or one two facilities share, names none.
    expect(nameEvent(aReport('r3', 'general printer jammed again', { facility: undefined }), shortened.lexicon).event.facility).toBeUndefined();
    expect(nameEvent(aReport('r4', "at St Mary's the printer jammed", { facility: undefined }), shortened.lexicon).event.facility).toBeUndefined();
    expect(nameEvent(aReport('r1', 'house sup at Cedar Bluff: no network anywhere', { facility: undefined }), shortened.lexicon).event.facility).toBe('cedarbluff');
    expect(nameEvent(anEvent({ facility: 'cedar bluff' }), shortened.lexicon).event.facility).toBe('cedarbluff');
    const key = 'a-test-token-key';
    const worded = withFacilityTokens(shortened, (value) => codeToken(key, value));
    expect(nameEvent(anEvent({ facility: codeToken(key, 'Cedar Bluff') }), worded.lexicon).event.facility).toBe('cedarbluff');
    expect(nameEvent(aReport('r2', 'the main printer is jammed', { facility: undefined }), shortened.lexicon).event.facility).toBeUndefined();
  });

  it('knows a long name written with one slip, or split in two, and no short name or English word by it', () => {
    const named = (text: string) => systemsNamedIn(rules.lexicon, text).map((r) => r.system);
    expect(named('hyperspce keeps freezing')).toEqual(['epic-hyperspace']);
    expect(named('hyprespace is down')).toEqual(['epic-hyperspace']);
    expect(named('hyper space will not load')).toEqual(['epic-hyperspace']);
    expect(named('rapsody queue backing up')).toEqual(['rhapsody']);
    // Short names are not guessed at, nor words two edits away.
    expect(named('epci is slow')).toEqual([]);
    expect(named('hipperspice down')).toEqual([]);
    expect([withinOneEdit('meditec', 'meditech'), withinOneEdit('impravata', 'imprivata'), withinOneEdit('imprivtaa', 'imprivata'), withinOneEdit('corner', 'cerner'), withinOneEdit('meditate', 'meditech')]).toEqual([true, true, true, true, false]);
  });

  it('names a load balancer’s pool and a name written with its tier as the application behind them', () => {
    const named = (system: string) => nameEvent(anEvent({ system, facility: undefined, symptom: 'pool members down' }), rules.lexicon).event.system;
    expect(named('pool_hyperspace_web_443')).toBe('epic-hyperspace');
    expect(named('hyperspaceweb')).toBe('epic-hyperspace');
    expect(named('epicprod01')).toBe('epic-hyperspace');
    expect(named('pool_payroll_443')).toBe('pool_payroll_443');
  });

  it('names a code no rule knows by the system it is made of, when the rest only says which part or watcher it is', () => {
    const named = (system: string) => nameEvent(anEvent({ system, facility: undefined, symptom: 'request timeouts' }), rules.lexicon).event.system;
    expect(named('epic-mt')).toBe('epic-hyperspace');
    expect(named('Hyperspace.exe')).toBe('epic-hyperspace');
    expect(named('blackbox-epic-01')).toBe('epic-hyperspace');
    // Another system that carries the vendor's name, or a family's, keeps its own code.
    expect(named('epic-clarity')).toBe('epic-clarity');
    expect(named('snmp-printer-exporter')).toBe('snmp-printer-exporter');
  });

  it('gives an event with no facility the one declared facility its words name, and none when they name two', () => {
    expect(nameEvent(anEvent({ facility: undefined, symptom: '23 devices in LAKESIDE/Nursing/BCMA exceeded decode error threshold' }), rules.lexicon).event.facility).toBe('lakeside');
    expect(nameEvent(anEvent({ facility: undefined, symptom: 'LKS feed behind' }), rules.lexicon).event.facility).toBe('lakeside');
    expect(nameEvent(anEvent({ facility: undefined, symptom: 'lakesides of the building' }), rules.lexicon).event.facility).toBeUndefined();
    // Words naming none, a report's requester domain may: `lks.example.org` is Lakeside's.
    expect(nameEvent(anEvent({ facility: undefined, symptom: 'printer jammed', labels: { requesterDomain: 'lks.example.org' } }), rules.lexicon).event.facility).toBe('lakeside');
    expect(nameEvent(anEvent({ facility: undefined, symptom: 'printer jammed', labels: { requesterDomain: 'health.example.org' } }), rules.lexicon).event.facility).toBeUndefined();
    // A facility the sender gave is never replaced by words.
    expect(nameEvent(anEvent({ facility: 'overlake', symptom: 'failover to Lakeside' }), rules.lexicon).event.facility).toBe('overlake');
  });

  it("names an interface engine's alert by the channel its text names, when the rules declare that channel", () => {
    const queue = anEvent({ system: 'rhapsody-prod', symptom: 'OVL_RX_ORDERS_TO_PYXIS destination queue at 412 messages and rising' });
    expect(nameEvent(queue, rules.lexicon).event.system).toBe('pyxis-interface');
    // A route no rule declares leaves the engine's alert the engine's; a report is never renamed so.
    expect(nameEvent(anEvent({ system: 'rhapsody-prod', symptom: 'Route LAB_ORU_IN: lookup unavailable' }), rules.lexicon).event.system).toBe('rhapsody');
    expect(nameEvent(aReport('r9', 'OVL_RX_ORDERS_TO_PYXIS is stuck', { system: 'rhapsody' }), rules.lexicon).event.system).toBe('rhapsody');
  });

  it("makes a channel no rule declares that is down its engine's outage, at the site its name gives, and keeps the channel told", () => {
    const withOutage = testRules({ ...rulesInput, problems: [{ id: 'problem.degraded', version: 1, class: 'degraded', absorbs: true, words: ['connection reset', 'down'] }] });
    const fromEngine = (system: string, extra: Partial<Parameters<typeof anEvent>[0]> = {}) =>
      nameEvent(anEvent({ kind: 'interface', source: { type: 'canonical', system: 'rhapsody-node2' }, system, facility: undefined, symptom: 'Connection reset', ...extra }), withOutage.lexicon);
    // A channel's content error (a NACK's code, a serializer error) stays the channel's own.
    expect(fromEngine('LKS_ORU_TO_EPIC', { symptom: 'Table value not found', errorSignature: 'AE HL70357:103' }).event.system).toBe('lks_oru_to_epic');
    expect(fromEngine('LKS_ADT_from_Expanse').event).toMatchObject({ system: 'rhapsody', facility: 'lakeside', labels: expect.objectContaining({ channel: 'LKS_ADT_from_Expanse' }) });
    // A site in the name is taken only when it names one: none here, and a sender's own facility stands.
    expect(fromEngine('ADT_ORM_OUT_SUNQUEST').event).toMatchObject({ system: 'rhapsody' });
    expect(fromEngine('ADT_ORM_OUT_SUNQUEST').event.facility).toBeUndefined();
    expect(fromEngine('LKS_ADT_from_Expanse', { facility: 'overlake' }).event.facility).toBe('overlake');
    // A channel the rules declare is its own system; a name without a channel's shape, or from a
    // source that is no engine, or a person's report, keeps its code.
    expect(fromEngine('OVL_RX_ORDERS_TO_PYXIS').event.system).toBe('pyxis-interface');
    expect(fromEngine('sunquest').event.system).toBe('sunquest');
    expect(nameEvent(anEvent({ source: { type: 'alertmanager', system: 'prometheus' }, system: 'KRMC_ORM_OUT_SUNQUEST', symptom: 'down' }), withOutage.lexicon).event.system).toBe('krmc_orm_out_sunquest');
    expect(nameEvent(aReport('r8', 'orders down', { system: 'KRMC_ORM_OUT_SUNQUEST', source: { type: 'helpdesk', system: 'rhapsody-node2' } }), withOutage.lexicon).event.system).toBe('krmc_orm_out_sunquest');
  });

  it('lower-cases a code no rule declares, and returns the same event when nothing changes', () => {
    expect(nameEvent(anEvent({ system: 'Mirth-Lab', facility: 'Overlake' }), rules.lexicon).event).toMatchObject({ system: 'mirth-lab', facility: 'overlake' });
    const plain = anEvent({ system: 'pacs', facility: 'overlake' });
    expect(nameEvent(plain, rules.lexicon).event).toBe(plain);
  });

  it('keeps each printer its own system: a pattern system declares scope and class, and renames nothing', () => {
    const { event } = nameEvent(anEvent({ system: 'zebra-printer-exporter' }), rules.lexicon);
    expect(event.system).toBe('zebra-printer-exporter');
    expect(systemRule(rules.lexicon, event.system)).toMatchObject({ scope: 'local', class: 'printer' });
  });

  it('gives an event without a usable system (none, or a token) the first system its words name, and leaves a named one alone', () => {
    expect(nameEvent(aReport('r1', "can't get into Hyperspace since 7am", { system: 'unknown' }), rules.lexicon).event.system).toBe('epic-hyperspace');
    expect(nameEvent(aReport('r2', 'the Rhapsody feed to Epic is down', { system: 'unknown' }), rules.lexicon).event.system).toBe('rhapsody');
    expect(nameEvent(aReport('r3', 'my mouse is broken', { system: 'unknown' }), rules.lexicon).event.system).toBe('unknown');
    // Whole words only: "epicentre" names nothing.
    expect(systemsNamedIn(rules.lexicon, 'the epicentre of the problem')).toEqual([]);
    // An alert whose system label was missing or not a code (the privacy filter's token) is named by its words.
    expect(nameEvent(anEvent({ system: 'unknown', symptom: 'Epic down' }), rules.lexicon).event.system).toBe('epic-hyperspace');
    expect(nameEvent(anEvent({ system: 'x-7f18d7f6428f90cc', symptom: 'Haiku, Rover and Canto requests failing' }), rules.lexicon).event.system).toBe('epic-hyperspace');
    // A system the sender named keeps its name, whatever its words say.
    expect(nameEvent(anEvent({ system: 'wsus', symptom: 'Epic clients not patched' }), rules.lexicon).event.system).toBe('wsus');
  });

  it('classes a problem by its words, reading an alert name as words', () => {
    expect(problemClassOf(rules.lexicon, { errorSignature: 'HyperspaceProbeFailed', symptom: 'x' })?.class).toBe('unavailable');
    expect(problemClassOf(rules.lexicon, { symptom: 'Epic is frozen on 4 West' })?.class).toBe('unavailable');
    expect(problemClassOf(rules.lexicon, { errorSignature: 'ArchiveDiskSpaceLow', symptom: 'Archive volume 92% full' })).toBeUndefined();
  });
});

describe('scope: one incident for a shared system wherever it is seen', () => {
  it('leaves the facility out of a shared system’s signature and keeps it in a local one’s', () => {
    const at = (system: string, facility: string) => signatureOf(nameEvent(anEvent({ system, facility, errorSignature: 'HTTP_503' }), rules.lexicon).event, rules);
    expect(at('epic', 'lakeside')).toBe(at('EPIC', 'northgate'));
    expect(at('printer-lab-1', 'lakeside')).not.toBe(at('printer-lab-1', 'riverbend'));
  });

  it('gives the problems one class shares one signature, and keeps a problem in no class apart', () => {
    const sig = (errorSignature: string, symptom: string) => signatureOf(anEvent({ system: 'pacs', facility: 'lakeside', errorSignature, symptom }), rules);
    expect(sig('PacsProbeFailed', 'PACS web probe failed')).toBe(sig('DicomTimeout', 'DICOM C-FIND timed out'));
    expect(sig('RoutingQueueDepth', 'DICOM routing queue 4000 deep')).not.toBe(sig('ArchiveDiskSpaceLow', 'Archive volume 92% full'));
  });

  it('refuses a code two systems claim, naming both', () => {
    expect(() =>
      testRules({
        systems: [
          { id: 'sys.a', version: 1, system: 'a', codes: ['shared-code'] },
          { id: 'sys.b', version: 1, system: 'b', codes: ['Shared-Code'] },
        ],
      }),
    ).toThrow(RuleError);
  });
});
