/**
 * A UTF-16 surrogate without its partner. JSON may escape one (`"\ud800"`), and JSON.parse makes a
 * JavaScript string of it, but it is no character: UTF-8 cannot carry it, so Postgres, NATS and
 * the helpdesk would each get something else (U+FFFD, or an error that fails the whole batch)
 * than the string corral correlated.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Any surrogate at all: a cheaper test that almost every string fails, so the one above seldom runs. */
const SURROGATE = /[\ud800-\udfff]/;
/** A surrogate or U+FFFD. */
const SUSPECT_OR_REPLACED = /[\ud800-\udfff\ufffd]/;

/**
 * Whether a parsed body holds text corral cannot keep as it is: a lone surrogate in any key or
 * string, and with `replacement`, U+FFFD, which is what Express makes of bytes that are not UTF-8.
 */
export function holdsBrokenText(body: unknown, { replacement = false } = {}): boolean {
  // It runs on every event (about 0.6 µs for a canonical one, a third of what Object.entries and the
  // exact expression alone took): loops, no entry arrays.
  // One scan per string for anything suspect; the exact test only on the rare string that has it.
  const suspect = replacement ? SUSPECT_OR_REPLACED : SURROGATE;
  const broken = (text: string) => suspect.test(text) && (LONE_SURROGATE.test(text) || (replacement && text.includes('\uFFFD')));
  const stack: unknown[] = [body];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (broken(value)) return true;
    } else if (Array.isArray(value)) {
      for (const inner of value) stack.push(inner);
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!Object.hasOwn(record, key)) continue;
        if (broken(key)) return true;
        stack.push(record[key]);
      }
    }
  }
  return false;
}

/**
 * C0 controls but TAB, LF and CR; DEL; C1 controls. PostgreSQL cannot store U+0000 in text or
 * jsonb at all (one such string used to fail a whole batch), and the others are terminal escape
 * sequences and log-line breakers in the helpdesk, the logs and the audit trail; no tool means any
 * of them as text.
 */
// \p{Cc} less TAB, LF and CR, spelled out: the same characters (all in the BMP, so the code-unit
// match is the code-point match), and without the `u` flag's lookahead the test that runs on every
// field of every event is a plain character scan.
// eslint-disable-next-line no-control-regex -- control characters are exactly what this looks for
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above
const CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;

export function holdsControl(text: string): boolean {
  // Admission asks this of every field and label of every event, most of them a few characters
  // long: a loop over the code units costs less than a call into the regular expression engine.
  if (text.length > 64) return CONTROL.test(text);
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x20 ? unit !== 0x09 && unit !== 0x0a && unit !== 0x0d : unit >= 0x7f && unit <= 0x9f) return true;
  }
  return false;
}

/** `text` with each control character removed, or replaced by `replacement`. */
export function withoutControls(text: string, replacement = ''): string {
  return CONTROL.test(text) ? text.replace(CONTROLS, replacement) : text;
}

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Code points, what PostgreSQL and class-validator's MaxLength count: an emoji is one, not two UTF-16 units. */
export function codePointLength(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by its low half is one code point; count it at the low half.
    if (!(unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00)) length += 1;
  }
  return length;
}

/**
 * `text` cut to at most `max` code points, ending in "…" when cut. The cut falls between two
 * graphemes, so it never splits a surrogate pair (which UTF-8 cannot carry: PostgreSQL refused the
 * JSON it ended up in) nor an emoji sequence, a flag or a letter and its accent. Every truncation of
 * input text goes through here.
 */
export function clampText(text: string, max: number): string {
  // Most text is short: UTF-16 length is never below the code point count.
  if (text.length <= max || codePointLength(text) <= max) return text;
  let kept = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    const size = codePointLength(segment);
    if (kept + size > max - 1) break;
    kept += size;
    end = index + segment.length;
  }
  return `${text.slice(0, end)}…`;
}

/**
 * Where in a parsed JSON body strings (keys or values) hold control characters, as paths the sender
 * knows (`alerts[0].fingerprint`), the first `limit` of them: the canonical field an adapter built
 * from them (`id`) is not a name the sender's payload has.
 */
export function controlPaths(body: unknown, limit = 5): string[] {
  const found: string[] = [];
  const name = (key: string) => (/^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);
  const stack: Array<[unknown, string]> = [[body, '']];
  while (stack.length > 0 && found.length < limit) {
    const [value, path] = stack.pop() as [unknown, string];
    if (typeof value === 'string') {
      if (CONTROL.test(value)) found.push(path === '' ? 'body' : path.replace(/^\./, ''));
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i -= 1) stack.push([value[i], `${path}[${i}]`]);
    } else if (typeof value === 'object' && value !== null) {
      for (const key of Object.keys(value).reverse()) {
        if (CONTROL.test(key)) found.push(`${path}${name(key)}`.replace(/^\./, ''));
        stack.push([(value as Record<string, unknown>)[key], `${path}${name(key)}`]);
      }
    }
  }
  return found.slice(0, limit);
}
