import { loadConfig } from '../modules/config/corral-config.js';
import type { CanonicalEvent } from '../correlation/canonical-event.js';
import { digestKey } from '../modules/inbox/dedup-key.js';
import { admit } from '../modules/ingest/admission.js';
import { InboxRepository } from '../modules/inbox/inbox.repository.js';
import { DeadLetterReplays, type ReplayOutcome } from '../modules/ingest/dead-letters/dead-letter-replays.repository.js';
import type { DeadLetterRow } from '../modules/ingest/dead-letters/dead-letter.entity.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { currentOperator } from './operator.js';
import { printJson, printResult, Progress } from './progress.js';

export interface ReplayOptions extends CommonOptions {
  reason?: string;
  source?: string;
  limit: number;
}

interface Attempt {
  id: string;
  reason: string;
  source: string;
  outcome: ReplayOutcome;
  detail: string;
}

/**
 * `corral dlq replay`: after an adapter or rule fix, sends dead letters through the front door
 * again (the same HTTP route their source has), so they are validated, scrubbed and correlated like
 * anything new. A letter that is refused again stays a dead letter; every attempt, whatever its
 * outcome, is a row of its own, naming the operator. A letter the correlator set aside after its
 * 202 (subject `inbox:<position>`) holds the filtered input, not the sender's payload: it goes back
 * into the inbox itself, under a key of its own so that replaying it twice applies it once.
 */
export async function replay(options: ReplayOptions): Promise<number> {
  const by = currentOperator(options.as);
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const base = (process.env.CORRAL_URL ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '');
  const progress = new Progress(options.quiet === true);
  const db = await openDatabase(config);
  const attempts: Attempt[] = [];
  try {
    const replays = new DeadLetterReplays(db.dataSource);
    const inbox = new InboxRepository(db.dataSource);
    const letters = await replays.pending(options);
    if (letters.length > 0) progress.line(`replaying ${letters.length} dead letter(s) to ${base}`);
    for (const [index, letter] of letters.entries()) {
      const { outcome, detail } = letter.subject.startsWith('inbox:') ? await requeue(inbox, letter) : await resubmit(base, letter, process.env.CORRAL_API_KEY);
      await replays.record(letter.id, { at: new Date(), outcome, detail, by });
      attempts.push({ id: letter.id, reason: letter.reason, source: letter.source, outcome, detail });
      progress.line(`[${index + 1}/${letters.length}] #${letter.id} ${letter.reason} ${letter.source}: ${outcome}${outcome === 'accepted' ? '' : ` (${detail})`}`);
    }
  } finally {
    await db.close();
  }
  const tally = (outcome: ReplayOutcome) => attempts.filter((a) => a.outcome === outcome).length;
  const failed = tally('failed');
  if (options.json) await printJson({ target: base, accepted: tally('accepted'), rejected: tally('rejected'), failed, attempts });
  else if (attempts.length === 0) await printResult('nothing to replay');
  else await printResult(`done: ${tally('accepted')} accepted, ${tally('rejected')} rejected again, ${failed} failed${failed > 0 ? ` — is corral running at ${base} (CORRAL_URL), and is CORRAL_API_KEY an ingest or admin key?` : ''}`);
  return failed > 0 ? 1 : 0;
}

/** Why a letter's body is not an input intake would have appended, or undefined when it is. */
function inboxInputProblem(body: string): string | undefined {
  let input: { type?: unknown; event?: unknown };
  try {
    input = JSON.parse(body) as typeof input;
  } catch {
    return 'the letter does not hold an inbox input (not JSON)';
  }
  if (input.type === 'resolve') return undefined;
  if (input.type !== 'event' || typeof input.event !== 'object' || input.event === null) return 'the letter does not hold an inbox input';
  const admission = admit(input.event as CanonicalEvent);
  return admission.ok ? undefined : `the letter's event would not pass intake: ${admission.reason}`;
}

/** A set-aside inbox row back into the inbox: the running corral correlates it like any new row. */
async function requeue(inbox: InboxRepository, letter: DeadLetterRow): Promise<{ outcome: ReplayOutcome; detail: string }> {
  // Only what intake itself would append: a letter edited by hand, or written before its body was
  // kept unscrubbed, must not reach the correlator (it would stop the inbox at that row).
  const problem = inboxInputProblem(letter.body);
  if (problem) return { outcome: 'rejected', detail: problem };
  const key = digestKey(`replay\0${letter.id}`);
  try {
    const appended = await inbox.append([key], [letter.body]);
    const position = appended.get(key);
    return { outcome: 'accepted', detail: position === undefined ? 'already back in the inbox (replayed before)' : `back in the inbox at position ${position}` };
  } catch (error) {
    return { outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}

async function resubmit(base: string, letter: DeadLetterRow, apiKey: string | undefined): Promise<{ outcome: ReplayOutcome; detail: string }> {
  const path = letter.source === 'canonical' ? '/v1/events' : `/v1/ingest/${encodeURIComponent(letter.source)}`;
  const contentType = letter.source === 'hl7' ? 'x-application/hl7-v2+er7' : 'application/json';
  try {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, 'x-correlation-id': `dlq-replay-${letter.id}`, ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) }, body: letter.body });
    const text = await response.text();
    if (response.ok) return { outcome: 'accepted', detail: `${response.status} ${text}` };
    return { outcome: response.status >= 500 ? 'failed' : 'rejected', detail: `${response.status} ${messageOf(text)}` };
  } catch (error) {
    return { outcome: 'failed', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** corral's refusals are JSON with a message; anything else (a proxy's HTML page) is kept as it came. */
function messageOf(text: string): string {
  try {
    return (JSON.parse(text || '{}') as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}
