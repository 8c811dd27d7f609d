import { loadConfig } from '../modules/config/corral-config.js';
import { DeadLetterReplayRow, DeadLetterRow } from '../modules/ingest/dead-letters/dead-letter.entity.js';
import { openDatabase } from './open-database.js';

const USAGE = `usage: npm run corral -- dlq replay [--reason R] [--source S] [--limit N]

Re-submits dead letters not yet accepted to the running corral at CORRAL_URL
(default http://127.0.0.1:$PORT) with the ingest (or admin) key in CORRAL_API_KEY, oldest first,
and records every attempt in dead_letter_replay.`;

type Outcome = 'accepted' | 'rejected' | 'failed';

/**
 * `npm run corral -- dlq replay`: after an adapter or rule fix, sends dead letters through the
 * front door again (the same HTTP route their source has), so they are validated, scrubbed and
 * correlated like anything new. A letter that is refused again stays a dead letter; every attempt,
 * whatever its outcome, is a row of its own.
 */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb !== 'replay') {
    console.error(USAGE);
    return 2;
  }
  const options = parseOptions(rest);
  if (typeof options === 'string') {
    console.error(`${options}\n\n${USAGE}`);
    return 2;
  }
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const base = (process.env.CORRAL_URL ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
  const by = process.env.USER ?? 'cli';
  const db = await openDatabase(config);
  try {
    const select = db.dataSource.getRepository(DeadLetterRow).createQueryBuilder('d').where(`d.replay_outcome IS DISTINCT FROM 'accepted'`).orderBy('d.id', 'ASC').limit(options.limit);
    if (options.reason) select.andWhere('d.reason = :reason', { reason: options.reason });
    if (options.source) select.andWhere('d.source = :source', { source: options.source });
    const letters = await select.getMany();
    if (letters.length === 0) {
      console.log('nothing to replay');
      return 0;
    }
    console.log(`replaying ${letters.length} dead letter(s) to ${base}`);
    const tally: Record<Outcome, number> = { accepted: 0, rejected: 0, failed: 0 };
    for (const [index, letter] of letters.entries()) {
      const { outcome, detail } = await resubmit(base, letter, process.env.CORRAL_API_KEY);
      const at = new Date();
      await db.dataSource.transaction(async (tx) => {
        await tx.getRepository(DeadLetterReplayRow).insert({ deadLetterId: letter.id, at, outcome, detail: detail.slice(0, 2000), by });
        await tx.getRepository(DeadLetterRow).update({ id: letter.id }, { replayedAt: at, replayOutcome: outcome });
      });
      tally[outcome] += 1;
      console.log(`[${index + 1}/${letters.length}] #${letter.id} ${letter.reason} ${letter.source}: ${outcome}${outcome === 'accepted' ? '' : ` (${detail})`}`);
    }
    console.log(`done: ${tally.accepted} accepted, ${tally.rejected} rejected again, ${tally.failed} failed`);
    return tally.failed > 0 ? 1 : 0;
  } finally {
    await db.close();
  }
}

async function resubmit(base: string, letter: DeadLetterRow, apiKey: string | undefined): Promise<{ outcome: Outcome; detail: string }> {
  const path = letter.source === 'canonical' ? '/v1/events' : `/v1/ingest/${encodeURIComponent(letter.source)}`;
  const contentType = letter.source === 'hl7' ? 'x-application/hl7-v2+er7' : 'application/json';
  try {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'x-correlation-id': `dlq-replay-${letter.id}`, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }, body: letter.body });
    const text = await response.text();
    if (response.ok) return { outcome: 'accepted', detail: `${response.status} ${text}` };
    const message = (JSON.parse(text || '{}') as { message?: string }).message ?? text;
    return { outcome: response.status >= 500 ? 'failed' : 'rejected', detail: `${response.status} ${message}` };
  } catch (error) {
    return { outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}

function parseOptions(args: string[]): { reason?: string; source?: string; limit: number } | string {
  const options: { reason?: string; source?: string; limit: number } = { limit: 10_000 };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1]];
    if (value === undefined) return `${flag} needs a value`;
    if (flag === '--reason') options.reason = value;
    else if (flag === '--source') options.source = value;
    else if (flag === '--limit' && /^\d+$/.test(value)) options.limit = Number(value);
    else return `unknown option ${flag}`;
  }
  return options;
}
