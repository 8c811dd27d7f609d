/**
 * The commit's jsonb parameters in Postgres' binary format (a version byte, 1, then the JSON text),
 * written into a buffer that is kept for a later batch (two are in use while one batch commits and
 * the next is staged). As strings (about 3 kB per event) the pg driver flattened them into a
 * second copy when it sent them, and that copy stayed on the young heap until the statement
 * finished: the next batch, prepared meanwhile, made scavenges copy and promote it, and it came
 * back as old-generation garbage (the major collections behind the latency spikes). A fresh buffer per batch instead counts as external memory, which starts major
 * collections of its own. Here each JSON string dies at once, and the bytes live outside the heap.
 */
export class JsonbArena {
  private buffer: Buffer;
  private used = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafeSlow(initialBytes);
  }

  reset(): void {
    this.used = 0;
  }

  jsonb(value: unknown): Buffer {
    const text = JSON.stringify(value);
    // Written first and measured after: `Buffer.byteLength` would read the whole text once more
    // (3 % of corral's CPU at saturation). `write` stops short, rather than split a character,
    // when the space left is too small, and then fewer than 4 bytes are left unused: only in that
    // case is the text measured, to tell a cut-short write from one that fitted exactly.
    let start = this.used;
    let written = start + 1 < this.buffer.length ? this.buffer.write(text, start + 1) : 0;
    if (this.buffer.length - (start + 1) - written < 4 && written !== Buffer.byteLength(text)) {
      // Parameters already taken keep the old buffer alive until this statement is done.
      this.buffer = Buffer.allocUnsafeSlow(Math.max(2 * this.buffer.length, Buffer.byteLength(text) + 1));
      start = 0;
      written = this.buffer.write(text, 1);
    }
    this.buffer[start] = 1;
    this.used = start + 1 + written;
    return this.buffer.subarray(start, this.used);
  }
}
