/**
 * One column of a batch as a Postgres array in its binary wire format (what `array_send` writes),
 * for `INSERT … SELECT * FROM unnest($1::uuid[], $2::text[], …)`. Postgres then reads each value
 * with its type's binary receive function: no JSON to parse into `jsonb` and pick apart by key, no
 * text to parse for each uuid and timestamp. For a batch's children that was about a third of
 * their share of the commit statement; with the journal too, 10–15 % of Postgres' CPU per event
 * (BENCHMARKS.md, ninth session).
 *
 * The pg driver sends a Buffer parameter in binary format as it is.
 */
export type BinaryColumnType = 'uuid' | 'text' | 'jsonb' | 'integer' | 'bigint' | 'real' | 'timestamptz';

const ELEMENT_OID: Record<BinaryColumnType, number> = { uuid: 2950, text: 25, jsonb: 3802, integer: 23, bigint: 20, real: 700, timestamptz: 1184 };
const FIXED_SIZE: Record<Exclude<BinaryColumnType, 'text' | 'jsonb'>, number> = { uuid: 16, integer: 4, bigint: 8, real: 4, timestamptz: 8 };
/** Postgres counts timestamps in microseconds from 2000-01-01 UTC. */
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_32 = 2 ** 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A JavaScript value for a `jsonb` column; a string or number for the others. */
export type BinaryColumnValue = string | number | boolean | object | null | undefined;

/**
 * `values` as a one-dimensional `type[]`; null and undefined become NULL (for `jsonb` too: SQL
 * NULL, not JSON `null`). Throws on a value the type cannot hold.
 */
export function binaryArray(type: BinaryColumnType, values: readonly BinaryColumnValue[]): Buffer {
  // Variable-length values as text first: their byte lengths size the buffer.
  const texts = type === 'text' ? values.map(plainText) : type === 'jsonb' ? values.map(jsonText) : undefined;
  let size = values.length === 0 ? 12 : 20;
  let hasNull = 0;
  for (let i = 0; i < values.length; i++) {
    const value = texts ? texts[i] : values[i];
    if (value === null || value === undefined) {
      hasNull = 1;
      size += 4;
    } else size += 4 + (texts ? Buffer.byteLength(value as string) + (type === 'jsonb' ? 1 : 0) : FIXED_SIZE[type as keyof typeof FIXED_SIZE]);
  }
  const out = Buffer.allocUnsafe(size);
  // Header: dimensions (0 for an empty array, which has no dimension entries), a has-null flag, the
  // element type; then each dimension's length and lower bound (1).
  out.writeInt32BE(values.length === 0 ? 0 : 1, 0);
  out.writeInt32BE(hasNull, 4);
  out.writeInt32BE(ELEMENT_OID[type], 8);
  if (values.length === 0) return out;
  out.writeInt32BE(values.length, 12);
  out.writeInt32BE(1, 16);
  let at = 20;
  for (let i = 0; i < values.length; i++) {
    const value = texts ? texts[i] : values[i];
    if (value === null || value === undefined) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    if (texts) {
      // jsonb's binary form is a version byte (1) and the JSON text.
      const start = type === 'jsonb' ? at + 5 : at + 4;
      if (type === 'jsonb') out[at + 4] = 1;
      const written = out.write(value as string, start);
      out.writeInt32BE(start - at - 4 + written, at);
      at = start + written;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') throw new TypeError(`not a ${type}: ${typeof value}`);
    at = out.writeInt32BE(FIXED_SIZE[type as keyof typeof FIXED_SIZE], at);
    switch (type) {
      case 'uuid':
        if (typeof value !== 'string' || !UUID.test(value)) throw new TypeError(`not a uuid: ${String(value)}`);
        at += out.write(value.replaceAll('-', ''), at, 'hex');
        break;
      case 'integer':
        at = out.writeInt32BE(integer(value, 2 ** 31), at);
        break;
      case 'bigint':
        at = writeInt64(out, integer(value, 2 ** 53), at);
        break;
      case 'real':
        at = out.writeFloatBE(number(value), at);
        break;
      case 'timestamptz':
        at = writeInt64(out, (instant(value) - PG_EPOCH_MS) * 1000, at);
        break;
      case 'text':
      case 'jsonb':
        // Written above, with the variable-length values.
        break;
    }
  }
  return out;
}

function plainText(value: BinaryColumnValue): string | null | undefined {
  if (value === null || value === undefined || typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TypeError('not a text: object');
}

function jsonText(value: BinaryColumnValue): string | null | undefined {
  return value === null || value === undefined ? value : JSON.stringify(value);
}

function number(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new TypeError(`not a finite number: ${String(value)}`);
  return n;
}

function integer(value: string | number, limit: number): number {
  const n = number(value);
  if (!Number.isInteger(n) || n < -limit || n >= limit) throw new TypeError(`not an integer in range: ${String(value)}`);
  return n;
}

/** Milliseconds since 1970 of an ISO-8601 timestamp (or of a number of them, as given). */
function instant(value: string | number): number {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new TypeError(`not a timestamp: ${String(value)}`);
  return ms;
}

/** A safe integer as a big-endian int64, two's complement, without a BigInt per value. */
function writeInt64(out: Buffer, value: number, at: number): number {
  const high = Math.floor(value / TWO_32);
  out.writeInt32BE(high, at);
  return out.writeUInt32BE(value - high * TWO_32, at + 4);
}
