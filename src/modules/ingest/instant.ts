// Timestamps are read on every event, most of them in the one form monitoring tools send:
// RFC 3339 in UTC, `2026-11-24T07:00:00Z`, with or without a fraction (Go writes up to nine digits).
// That form is read here digit by digit, and its ISO form written by slicing, without Date.parse or
// a Date; anything else (offsets, a day past the 28th, which Date.parse rolls into the next month,
// years before 1000, which Date.UTC maps to 19xx) goes the slow way. Both ways give the same answer
// for every input; instant.spec.ts checks that against Date.parse on generated strings.

const ZERO = 48;

/** The value of `length` ASCII digits of `text` from `from`, or -1 when one is not a digit. */
function digits(text: string, from: number, length: number): number {
  let value = 0;
  for (let i = from; i < from + length; i += 1) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * `text` read as `YYYY-MM-DDTHH:MM:SS[.f…]Z` (ms since the epoch, the fraction cut to milliseconds
 * as Date.parse does), or NaN when it is not in that form with fields no calendar could roll over.
 */
export function fastInstant(text: string): number {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 /* Z */) return NaN;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return NaN;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 28 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return NaN;
  let ms = 0;
  if (length > 20) {
    // A fraction: a dot and one to nine digits (Go's RFC3339Nano), all digits up to the Z. Past
    // nine, V8 reads the digits otherwise (`.0003000000` is 3 ms), so those go to Date.parse.
    if (text.charCodeAt(19) !== 46 || length < 22 || length > 30) return NaN;
    for (let i = 20; i < length - 1; i += 1) {
      const digit = text.charCodeAt(i) - ZERO;
      if (digit < 0 || digit > 9) return NaN;
      if (i < 23) ms += digit * (i === 20 ? 100 : i === 21 ? 10 : 1);
    }
  } else if (length !== 20) return NaN;
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** `new Date(fastInstant(text)).toISOString()`, for a `text` fastInstant read (it is not checked again). */
export function fastIso(text: string): string {
  const length = text.length;
  if (length === 24) return text;
  if (length === 20) return `${text.slice(0, 19)}.000Z`;
  if (length > 24) return `${text.slice(0, 23)}Z`;
  return `${text.slice(0, length - 1)}${length === 22 ? '00' : '0'}Z`;
}

/** Date.parse, with the fast path above for the common form. */
export function parseInstant(text: string): number {
  const time = fastInstant(text);
  return Number.isNaN(time) ? Date.parse(text) : time;
}
