// HL7 v2 batch files (v2.5 §2.10.3: FHS, BHS, messages, BTS, FTS), or plain files of consecutive
// messages, split into their messages. Written by hand: a message starts at its MSH segment and
// the envelope segments carry nothing corral reads but their creation time, which is all a file
// needs; no maintained Node library parses batches without also building its own model of every
// message, and the hl7 adapter (ingest/sources/hl7.ts) reads each message itself.

/** One message of a batch: its segments joined by CR (HL7's own separator), and where it starts. */
export interface Hl7Message {
  /** 1-based line of its MSH segment in the file, for reports that must not quote the message. */
  line: number;
  text: string;
  /** The creation time of its batch or file (BHS-7, else FHS-7) as written, when one reads as an HL7 time. */
  batchTime?: string;
}

export interface Hl7Batch {
  messages: Hl7Message[];
  /** Lines before the first MSH that are not an envelope segment: nothing to take them into. */
  stray: number[];
}

/**
 * Segments separated by CR, LF or CRLF. MLLP framing (VT … FS CR), as some engines write it to
 * files too, is dropped; an FS glued to the next frame still ends its segment. Lines are counted
 * as an editor shows them.
 */
export function splitHl7Batch(text: string): Hl7Batch {
  const lines = text.replaceAll('\x0b', '').replaceAll('\x1c\r', '\r').replaceAll('\x1c\n', '\n').replaceAll('\x1c', '\r').split(/\r\n|\r|\n/);
  const messages: Array<{ line: number; segments: string[]; batchTime?: string }> = [];
  const stray: number[] = [];
  let fileTime: string | undefined;
  let batchTime: string | undefined;
  for (const [i, raw] of lines.entries()) {
    const segment = raw.trim();
    const name = segment.slice(0, 3);
    if (segment === '' || name === 'BTS' || name === 'FTS') continue;
    if (name === 'FHS' || name === 'BHS') {
      const created = headerField(segment, 7);
      const time = readsAsHl7Time(created) ? created : undefined;
      if (name === 'FHS') fileTime = time;
      batchTime = name === 'BHS' ? time : undefined;
      continue;
    }
    const current = messages.at(-1);
    if (name === 'MSH') {
      const time = batchTime ?? fileTime;
      messages.push({ line: i + 1, segments: [segment], ...(time ? { batchTime: time } : {}) });
    } else if (current) current.segments.push(segment);
    else stray.push(i + 1);
  }
  return { messages: messages.map(({ segments, ...m }) => ({ ...m, text: segments.join('\r') })), stray };
}

/** Field `n` (n ≥ 3) of an MSH, FHS or BHS segment, whose field 1 is its separator. */
function headerField(segment: string, n: number): string {
  return segment.slice(4).split(segment.charAt(3))[n - 2]?.trim() ?? '';
}

/** What the file supplies where a message leaves identity or time out. */
export interface IdentitySource {
  /** A digest of the file's bytes: the same file, the same identities, whenever it is read. */
  fileDigest: string;
  /** The file's modification time as an HL7 time, for a message outside any dated batch. */
  fileTime: string;
  facility?: string;
  system?: string;
}

/**
 * Each message with an identity that is the same every time the file is read, so that taking a
 * file again (a restart part-way, a second corral, a re-dropped file) finds every event as the
 * duplicate it is. The hl7 adapter makes an event's id from MSH-3, MSH-4, MSH-10 and MSA, and its
 * time from MSH-7, or from the arrival when MSH-7 is absent or unreadable: a message re-read a
 * minute later would then be a new event. So:
 * - MSH-7 absent or not an HL7 time: the batch's creation time (FHS-7/BHS-7), else the file's.
 * - MSH-10 absent, or already used by an earlier message of the file: `F<file digest>N<index>`.
 *   A control id names one message, but senders leave it empty or write a constant in every ACK;
 *   two such messages alike in the rest (same second, same acked message, same error) would be
 *   taken as one. Unique per (file, message index) instead, and stable while the file is the same.
 *   Letters and digits only, so it needs no HL7 escaping whatever the message's delimiters are.
 * - MSH-3 and MSH-4 absent: the drop's configured `system` and `facility`.
 * Nothing else of a message is touched.
 */
export function withStableIdentity(messages: readonly Hl7Message[], from: IdentitySource): Hl7Message[] {
  const seen = new Set<string>();
  return messages.map((message, index) => {
    const [msh = '', ...rest] = message.text.split('\r');
    const separator = msh.charAt(3);
    if (!separator) return message;
    const fields = msh.slice(4).split(separator);
    // fields[0] is MSH-2 (the encoding characters): MSH-n is fields[n - 2].
    const get = (n: number) => fields[n - 2]?.trim() ?? '';
    const set = (n: number, value: string) => {
      while (fields.length < n - 1) fields.push('');
      fields[n - 2] = value;
    };
    if (!get(3) && from.system) set(3, from.system);
    if (!get(4) && from.facility) set(4, from.facility);
    if (!readsAsHl7Time(get(7))) set(7, message.batchTime ?? from.fileTime);
    const controlId = get(10);
    if (!controlId || seen.has(controlId)) set(10, `F${from.fileDigest.slice(0, 16)}N${index}`);
    else seen.add(controlId);
    return { ...message, text: [`MSH${separator}${fields.join(separator)}`, ...rest].join('\r') };
  });
}

/** The hl7 adapter's reading of an HL7 DTM (hl7.ts hl7Time): what it cannot read, it replaces with the arrival. */
export function readsAsHl7Time(value: string): boolean {
  const m = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.\d+)?([+-]\d{4})?$/.exec(value.trim());
  if (!m) return false;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', zone] = m;
  return !Number.isNaN(Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : 'Z'}`));
}

/** An instant as an HL7 DTM in UTC (`YYYYMMDDHHMMSS+0000`). */
export function hl7TimeOf(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:T]/g, '')}+0000`;
}
