import { randomUUID } from 'node:crypto';
import { ChainKeys } from '../src/actors/chain-keys.js';
import { chainRow, GENESIS_HASH } from '../src/actors/journal-chain.js';
import type { JournalEntry } from '../src/correlation/transition.js';
import { MasterKey } from '../src/modules/persistence/journal-cipher.js';
import { JournalSealer } from '../src/modules/persistence/journal-sealer.js';

/**
 * `npm run bench:journal-seal`: what sealing adds to chaining a journal row, on the hot path
 * (BatchExecutor.record). Rows of the three shapes that matter: a child attached (codes only: the
 * bulk of a storm), a ticket resolved with 50 requester tokens to tell, an incident opened with
 * its title. Prints µs per row, chained alone and sealed then chained.
 */
const ROWS = Number(process.argv[2] ?? 200_000);
const incidents = Array.from({ length: 1_000 }, () => randomUUID());
const at = new Date().toISOString();
const base = (i: number): Omit<JournalEntry, 'kind' | 'data'> => ({ incidentId: incidents[i % incidents.length], correlationId: randomUUID(), at });
const shapes: Record<string, (i: number) => JournalEntry> = {
  'child.attached (codes only)': (i) => ({ ...base(i), kind: 'child.attached', childKey: `prometheus:alert-${i}`, data: { status: 'firing', kind: 'alert' } }),
  'incident.opened (title)': (i) => ({ ...base(i), kind: 'incident.opened', data: { title: `ADT outbound queue depth ${1200 + i} above threshold at overlake`, severity: 'high', system: 'epic-adt', origin: 'machine', episode: 1 } }),
  'ticket.resolved (50 tokens)': (i) => ({ ...base(i), kind: 'ticket.resolved', data: { notify: Array.from({ length: 50 }, (_, n) => `${(i * 50 + n).toString(16).padStart(64, '0')}`) } }),
};

// The chain is keyed (HMAC) as in production, so the figure is what a row costs there.
const chainKeys = new ChainKeys(['bench-chain-key-0123456789abcdefghijklmn']);

function measure(entries: JournalEntry[], seal: (e: JournalEntry) => JournalEntry): number {
  let hash = GENESIS_HASH;
  const started = process.hrtime.bigint();
  for (let i = 0; i < entries.length; i++) hash = chainRow(chainKeys, 'sig', i + 1, hash, seal(entries[i])).rowHash;
  return Number(process.hrtime.bigint() - started) / 1_000 / entries.length;
}

const sealer = new JournalSealer(new MasterKey('bench-master-key-0123456789abcdefghijkl'));
const results: Record<string, { chainOnlyUs: number; sealedUs: number; addedUs: number }> = {};
for (const [name, make] of Object.entries(shapes)) {
  const entries = Array.from({ length: ROWS }, (_, i) => make(i));
  // Warm-up, then the better of three runs each.
  measure(entries.slice(0, 20_000), (e) => e);
  measure(entries.slice(0, 20_000), (e) => sealer.seal(e));
  const plain = Math.min(...[0, 1, 2].map(() => measure(entries, (e) => e)));
  const sealed = Math.min(...[0, 1, 2].map(() => measure(entries, (e) => sealer.seal(e))));
  results[name] = { chainOnlyUs: +plain.toFixed(2), sealedUs: +sealed.toFixed(2), addedUs: +(sealed - plain).toFixed(2) };
}
console.log(JSON.stringify({ rows: ROWS, results }, null, 2));
