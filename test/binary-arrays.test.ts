import fc from 'fast-check';
import type pg from 'pg';
import { binaryArray, type BinaryColumnType, type BinaryColumnValue } from '../src/modules/persistence/binary-arrays.js';
import { createTestDatabase, withClient, type TestDatabase } from './support/harness.js';

// The oracle is Postgres itself: the same values sent the way the pg driver sends an array (as
// text) must make the same array as the binary encoding.
describe('binary arrays, as Postgres reads them', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  const sameAsText = (client: pg.Client, type: BinaryColumnType, values: BinaryColumnValue[]) =>
    client
      .query<{ same: boolean; n: number }>(`SELECT $1::${type}[] IS NOT DISTINCT FROM $2::${type}[] AS same, cardinality($1::${type}[]) AS n`, [
        binaryArray(type, values),
        // pg sends a string as the element's text; a jsonb element's text is its JSON.
        type === 'jsonb' ? values.map((v) => (v === null || v === undefined ? v : JSON.stringify(v))) : values,
      ])
      .then(({ rows: [row] }) => row);

  const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
  const columns: Array<[BinaryColumnType, fc.Arbitrary<BinaryColumnValue>]> = [
    ['uuid', fc.uuid()],
    // Postgres text cannot hold NUL, whichever way it is sent.
    ['text', fc.string({ unit: 'binary', maxLength: 40 }).filter((s) => !s.includes('\u0000'))],
    // jsonb cannot hold \u0000 either; a JavaScript null is SQL NULL both ways.
    ['jsonb', fc.jsonValue({ maxDepth: 3 }).filter((v) => !JSON.stringify(v).includes('\\u0000'))],
    ['integer', fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })],
    ['bigint', fc.maxSafeInteger()],
    ['real', fc.float({ noNaN: true, noDefaultInfinity: true })],
    ['timestamptz', fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString())],
  ];

  it.each(columns)('%s[]: the same array as the text form, NULLs and the empty array included', async (type, value) => {
    await withClient(db.url, (client) =>
      fc.assert(
        fc.asyncProperty(fc.array(nullable(value), { maxLength: 12 }), async (values) => {
          expect(await sameAsText(client, type, values)).toEqual({ same: true, n: values.length });
        }),
        { numRuns: 150 },
      ),
    );
  });

  it('refuses what the column type cannot hold, before anything is sent', () => {
    expect(() => binaryArray('uuid', ['not-a-uuid'])).toThrow(/not a uuid/);
    expect(() => binaryArray('integer', [2 ** 31])).toThrow(/integer in range/);
    expect(() => binaryArray('bigint', [1.5])).toThrow(/integer in range/);
    expect(() => binaryArray('timestamptz', ['yesterday'])).toThrow(/not a timestamp/);
    expect(() => binaryArray('real', [Number.NaN])).toThrow(/finite number/);
    expect(() => binaryArray('integer', [{ n: 1 }])).toThrow(/not a integer: object/);
    expect(() => binaryArray('bigint', [true])).toThrow(/not a bigint: boolean/);
    expect(() => binaryArray('text', [['a']])).toThrow(/not a text: object/);
  });
});
