import { jetstream } from '@nats-io/jetstream';
import { useCorralSuite } from '../support/harness.js';
import { deadLetters, holding, post, settled } from './adapter-support.js';
import { ROUTES, type Parts, type Route } from './route-payloads.js';

// What PostgreSQL cannot store never reaches it, on every ingest route and subject: control
// characters are removed from free text and refuse an id, dates outside corral's range are refused
// naming the field, and text is cut between graphemes. Each of these used to fail the batch (503).
describe('the input boundary, on every route and subject', () => {
  const suite = useCorralSuite();
  let n = 0;
  const parts = (overrides: Partial<Parts> = {}): Parts => {
    n += 1;
    return { text: `boundary check ${n}`, id: `b-${n}-${Date.now()}`, date: new Date(Date.now() - 60_000).toISOString(), ...overrides };
  };
  const http = (route: Route, p: Parts) => post(suite, route.path, route.body(p), route.contentType);
  /** Publishes on `corral.in.<source>`; answers whether corral dead-lettered it (else it was acked). */
  const nats = async (route: Route, p: Parts): Promise<'acked' | 'dead-lettered'> => {
    const before = (await deadLetters(suite)).length;
    await jetstream(suite.nats.nc).publish(suite.nats.subjects.in(route.source), new TextEncoder().encode(route.body(p)));
    await settled(suite);
    return (await deadLetters(suite)).length > before ? 'dead-lettered' : 'acked';
  };
  const accepted = (status: number) => status >= 200 && status < 300;

  describe.each(ROUTES.map((r) => [r.source, r] as const))('%s', (_, route) => {
    it('NUL and other controls in free text: accepted, without them', async () => {
      const text = 'ADT feed\u0000 down\u001b[2J again\u0085';

      const reply = await http(route, parts({ text }));

      expect([reply.status, JSON.stringify(reply.body)]).toEqual([expect.any(Number), expect.not.stringContaining('\\u0000')]);
      expect(accepted(reply.status)).toBe(true);
      expect(await nats(route, parts({ text }))).toBe('acked');
    });

    it('NUL in an id: 400 naming the field; a dead letter over NATS', async () => {
      const reply = await http(route, parts({ id: 'id-with-\u0000-inside' }));

      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).toContain(route.idField);
      expect(JSON.stringify(reply.body)).not.toContain('\\u0000');
      expect(await nats(route, parts({ id: 'id-with-\u0000-inside' }))).toBe('dead-lettered');
    });

    it.each(['0000-01-01T00:00:00Z', '-200000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z'])('a date PostgreSQL cannot keep (%s): 400 naming the field', async (date) => {
      const reply = await http(route, parts({ date }));

      if (route.ignoresUnreadableDates && !/^\d{4}-/.test(date)) return expect(accepted(reply.status)).toBe(true);
      expect([reply.status, JSON.stringify(reply.body)]).toEqual([400, expect.stringContaining(route.dateField)]);
      expect(await nats(route, parts({ date }))).toBe('dead-lettered');
    });
  });

  it("Alertmanager's endsAt 0001-01-01 (Go's zero time) still means a firing alert", async () => {
    const route = ROUTES.find((r) => r.source === 'alertmanager') as Route;
    const p = parts();

    const reply = await http(route, p);

    expect(reply.status).toBe(202);
    expect((await holding(suite, `${p.id}:${p.date}`)).child.status).toBe('firing');
  });

  it('a helpdesk report cut at 512 characters in the middle of an emoji: accepted, the emoji whole or gone', async () => {
    const route = ROUTES.find((r) => r.source === 'helpdesk') as Route;
    const p = parts({ text: `${'a'.repeat(510)}😀${'b'.repeat(10)}` });

    const reply = await http(route, p);

    expect(reply.status).toBe(202);
    expect((await holding(suite, p.id)).incident.title).toBe(`${'a'.repeat(510)}😀…`);
  });
});
