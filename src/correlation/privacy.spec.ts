import { createHmac } from 'node:crypto';
import type { CanonicalEvent } from './canonical-event.js';
import { holdsControl } from '../modules/ingest/unicode.js';
import { codeToken, EVENT_POLICY, eventIdToken, isCode, leftToAdmission, PrivacyMemo, protect, protectCommand, type Treatment } from './privacy.js';
import { requesterToken } from './requester-token.js';

const KEY = 'privacy-spec-key-0123456789abcdefghijkl';
// What a careless sender types: a bare name (no cue, the scrubber cannot see it) where a code
// belongs, and cued identifiers where free text belongs.
const NAME = 'Smith John';
const TEXT = 'pt Carolee951 Sanford861 MRN 7654321 DOB 1969-03-27 ssn 999-33-5538 tel 555-657-5098';
const CANARIES = ['smith', 'john', 'carolee', 'sanford', '7654321', '1969-03-27', '999-33-5538', '5538', '657-5098'];

const base: CanonicalEvent = {
  id: 'e-1',
  schemaVersion: '1',
  kind: 'report',
  source: { type: 'canonical', system: 'probe' },
  occurredAt: '2026-11-24T07:00:00.000Z',
  receivedAt: '2026-11-24T07:00:01.000Z',
  status: 'firing',
  severity: 'high',
  system: 'epic-adt',
  symptom: 'login fails',
  patientImpact: false,
  correlationId: 'c-1',
};

type Leaf = { path: string[]; treatment: Treatment };
function leaves(policy: object, prefix: string[] = []): Leaf[] {
  return Object.entries(policy).flatMap(([name, rule]: [string, Treatment | object]) =>
    typeof rule === 'object' ? leaves(rule, [...prefix, name]) : [{ path: [...prefix, name], treatment: rule }],
  );
}

function planted(leavesToPlant: Leaf[]): CanonicalEvent {
  const event = structuredClone(base) as unknown as Record<string, Record<string, unknown>>;
  for (const { path, treatment } of leavesToPlant) {
    const value = treatment === 'text' ? TEXT : treatment === 'labels' ? { [`${NAME} key`]: TEXT, team: TEXT } : `epic-adt ${NAME} ${TEXT}`;
    let target: Record<string, unknown> = event;
    for (const step of path.slice(0, -1)) target = (target[step] ??= {}) as Record<string, unknown>;
    target[path.at(-1) as string] = value;
  }
  return event as unknown as CanonicalEvent;
}

const found = (value: unknown) => CANARIES.filter((c) => JSON.stringify(value).toLowerCase().includes(c));

describe('the per-field privacy table', () => {
  const all = leaves(EVENT_POLICY);
  const sendable = all.filter((l) => l.treatment !== 'closed' && l.treatment !== 'corral');

  it('lists every field, and the fields it trusts as they are are only the fixed words and what corral writes itself', () => {
    expect(all.filter((l) => l.treatment === 'closed' || l.treatment === 'corral').map((l) => l.path.join('.')).sort()).toEqual(
      ['context', 'kind', 'occurredAt', 'patientImpact', 'receivedAt', 'schemaVersion', 'severity', 'source.type', 'status'],
    );
  });

  it('on a native route, leaves no planted identifier in any field a sender can fill', () => {
    const event = planted(sendable);

    const result = protect(event, KEY, 'tokenize');

    expect(result.ok).toBe(true);
    expect(found(result.ok && result.event)).toEqual([]);
    if (!result.ok) return;
    expect(result.event.system).toBe(codeToken(KEY, `epic-adt ${NAME} ${TEXT}`));
    expect(result.event.id).toBe(eventIdToken(KEY, `epic-adt ${NAME} ${TEXT}`));
    expect(result.event.requester?.token).toBe(requesterToken(KEY, `epic-adt ${NAME} ${TEXT}`));
  });

  it('on the canonical route, refuses each code field that is not a code and names it', () => {
    for (const leaf of sendable.filter((l) => l.treatment === 'code' || l.treatment === 'directory' || l.treatment === 'reference')) {
      const result = protect(planted([leaf]), KEY, 'refuse');

      expect([leaf.path.join('.'), result.ok]).toEqual([leaf.path.join('.'), false]);
      expect(result.ok ? '' : result.field).toBe(leaf.path.join('.'));
      expect(found(result)).toEqual([]);
    }
    const labels = protect({ ...base, labels: { [`${NAME}`]: 'x' } }, KEY, 'refuse');
    expect(labels).toMatchObject({ ok: false, field: 'labels (a key)' });
    expect(found(labels)).toEqual([]);
  });

  it('keeps codes as they are, the ones shipped rules match on included', () => {
    const event = { ...base, system: 'epic-adt', facility: 'overlake', department: 'ED', source: { type: 'hl7' as const, system: 'LIS@OVERLAKE', instance: 'am-01.overlake.local:9093' }, correlationId: '0b7e8f6c-1c1d-4d44-9a53-2f1c2b4d8a10' };

    const result = protect(event, KEY, 'refuse');

    expect(result).toMatchObject({ ok: true, event: { system: 'epic-adt', facility: 'overlake', department: 'ED', source: event.source, correlationId: event.correlationId } });
    for (const code of ['lab-interface', 'OHMC-4W', 'PUMP-0042', 'x-9d56596d2d41def3', 'mirth-a3c1e9f2', '4bf92f3577b34da6a3ce929d0e0e4736']) expect([code, isCode(code)]).toEqual([code, true]);
    for (const text of ['epic-adt Smith John', '999-33-5538', 'MRN1234567', 'jane.doe@example.org', '5556575098', '']) expect([text, isCode(text)]).toEqual([text, false]);
  });

  it('keeps a helpdesk record key by its shape, and nothing else under that label', () => {
    const ticketOf = (helpdeskTicket: string) => {
      const result = protect({ ...base, labels: { helpdeskTicket, team: helpdeskTicket } }, KEY, 'tokenize');
      return result.ok ? [result.event.labels?.helpdeskTicket, result.event.labels?.team] : [];
    };
    // An RT number, a ServiceNow number and sys_id, a Jira key: kept, though the scrubber would take a long number for an identifier.
    for (const key of ['4711', '1234567', 'INC0012345', 'c537bae64f411200adf9f8e18110c76e', 'OPS-123']) expect(ticketOf(key)[0]).toBe(key);
    expect(ticketOf('1234567')[1]).toBe(codeToken(KEY, '1234567'));
    // A name, a Synthea MRN, an address, half an emoji: tokens.
    for (const planted of ['Carolee951 Sanford861', 'S99993907', 'jdoe@example.org', 'INC\uD83D0012345', `${NAME}`]) expect(ticketOf(planted)[0]).toMatch(/^x-[0-9a-f]{16}$/);
    // Control characters are dropped before a label value is judged, as for every label.
    expect(ticketOf('INC\u00000012345')[0]).toBe('INC0012345');
  });

  it('makes ids stable keyed tokens, so repeats and resolves still find their child', () => {
    const a = protect({ ...base, id: 'srv01/mysql' }, KEY, 'refuse');
    const b = protect({ ...base, id: 'srv01/mysql' }, KEY, 'refuse');
    const other = protect({ ...base, id: 'srv01/mysql' }, `${KEY}-other`, 'refuse');

    expect(a.ok && a.event.id).toBe(eventIdToken(KEY, 'srv01/mysql'));
    expect(b.ok && b.event.id).toBe(a.ok && a.event.id);
    expect(other.ok && other.event.id).not.toBe(a.ok && a.event.id);
    expect(eventIdToken(KEY, eventIdToken(KEY, 'x'))).toBe(eventIdToken(KEY, 'x'));
  });

  it('gives the same with a request\'s memo as without, and a memo that tokenized a value still refuses it on the canonical route', () => {
    const memo = new PrivacyMemo();
    const events = [planted(sendable), base, planted(sendable), { ...base, labels: { team: 'lab', [`${NAME} key`]: 'x' } }];

    for (const event of events) expect(protect(event, KEY, 'tokenize', memo)).toEqual(protect(event, KEY, 'tokenize'));
    for (const event of events) expect(protect(event, KEY, 'refuse', memo)).toEqual(protect(event, KEY, 'refuse'));
    expect(protect(planted(sendable), KEY, 'refuse', memo).ok).toBe(false);
  });

  it('keys ids and codes with the same HMAC as createHmac, for any key and id', () => {
    for (const key of [KEY, 'k', 'ü'.repeat(40), 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(200)]) {
      for (const id of ['e-1', '', 'ü€😀', 'lone \ud800 half', 'x'.repeat(300), `${key}:2026-11-24T07:00:00Z`]) {
        expect([key, id, eventIdToken(key, id)]).toEqual([key, id, `ev_${createHmac('sha256', key).update(`id\u0000${id}`).digest('base64url').slice(0, 22)}`]);
        expect([key, id, codeToken(key, id)]).toEqual([key, id, `x-${createHmac('sha256', key).update(`code\u0000${id}`).digest('hex').slice(0, 16)}`]);
      }
    }
  });

  it('leaves as they are only the codes and ids admission refuses, and treats one with a TAB, LF or CR like any other', () => {
    for (let unit = 0; unit <= 0xffff; unit += 1) {
      const char = String.fromCharCode(unit);
      if (leftToAdmission(char) !== holdsControl(char)) throw new Error(`U+${unit.toString(16)}: privacy and admission disagree`);
      if (leftToAdmission(`${'x'.repeat(70)}${char}`) !== holdsControl(`${'x'.repeat(70)}${char}`)) throw new Error(`U+${unit.toString(16)} in a long text: privacy and admission disagree`);
    }
    for (const gap of ['\t', '\n', '\r']) {
      const event = { ...base, id: `MRN${gap}7654321`, system: `Smith${gap}John`, facility: `Carolee${gap}Sanford`, source: { type: 'canonical' as const, system: `Smith${gap}John` }, labels: { [`Smith${gap}John`]: 'x' } };
      const native = protect(event, KEY, 'tokenize');
      expect(native).toMatchObject({ ok: true, event: { id: eventIdToken(KEY, `MRN${gap}7654321`), system: codeToken(KEY, `Smith${gap}John`), facility: codeToken(KEY, `Carolee${gap}Sanford`) } });
      expect(JSON.stringify(native)).not.toMatch(/7654321|Smith|Carolee/);
      expect(protect(event, KEY, 'refuse')).toMatchObject({ ok: false });
    }
    // What admission does refuse is left for it to name.
    expect(protect({ ...base, id: 'e\u00001', system: 'epic\u0007adt' }, KEY, 'refuse')).toMatchObject({ ok: true, event: { id: 'e\u00001', system: 'epic\u0007adt' } });
  });

  it('drops a field the table does not know', () => {
    const result = protect({ ...base, patientName: NAME } as unknown as CanonicalEvent, KEY, 'tokenize');

    expect(found(result)).toEqual([]);
  });
});

describe('protectCommand', () => {
  it('scrubs a note before the journal keeps it and names split children by their tokens', () => {
    const note = protectCommand({ verb: 'resolve', by: 'agent:kim', note: `restarted; ${TEXT}` }, KEY);
    const split = protectCommand({ verb: 'split', by: 'agent:kim', children: ['s-3', 'monitor|ev_abcdefghijklmnopqrstuv', eventIdToken(KEY, 's-4')] }, KEY);

    expect(found(note)).toEqual([]);
    expect(note).toMatchObject({ verb: 'resolve', by: 'agent:kim', note: expect.stringContaining('restarted;') });
    expect(split).toMatchObject({ children: [eventIdToken(KEY, 's-3'), 'monitor|ev_abcdefghijklmnopqrstuv', eventIdToken(KEY, 's-4')] });
  });
});
