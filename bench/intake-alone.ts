import pg from 'pg';
import { drive } from './http-load.js';
import { createDatabase, progress, startAlertmanager, startCorral } from './services.js';
import { AlertStream, chunks, ISSUE_SHAPE, toAlertmanagerApi, toWebhook } from './workload.js';

/**
 * Intake alone against Alertmanager (issue 23): rounds of 100,000 alerts in webhooks of 500, four
 * at a time, into a real Alertmanager and into corral, interleaved. With `--hold`, corral's
 * correlation is held back for the corral part of each round (a lock on the inbox cursor row, as
 * test/support/harness.ts holdCorrelation does), so the figure is what taking alerts in costs
 * without correlation competing for the cores; the round then waits for correlation to catch up.
 * `npm run bench:intake [-- --hold] [-- --rounds N] [-- --concurrency N] [-- --cpu-prof DIR]` (four in flight by default). Not part of `npm run bench`:
 * a tool for finding where intake's time goes, not a figure of record.
 */
const BATCH = 500;
const argv = process.argv.slice(2);
const value = (name: string) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

/** The inbox append histograms' counts and sums so far (corral_inbox_append_rows, _seconds). */
async function appendFigures(baseUrl: string, authorization: string): Promise<{ count: number; rowsPerAppend: number; msPerAppend: number }> {
  const text = await (await fetch(`${baseUrl}/metrics`, { headers: { authorization } })).text();
  const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  const count = sample('corral_inbox_append_rows_count');
  return { count, rowsPerAppend: sample('corral_inbox_append_rows_sum') / count, msPerAppend: (1000 * sample('corral_inbox_append_seconds_sum')) / count };
}

async function main(): Promise<void> {
  const hold = argv.includes('--hold');
  const rounds = Number(value('--rounds') ?? 3);
  const concurrency = Number(value('--concurrency') ?? 4);
  const cpuProfileDir = value('--cpu-prof');
  const db = await createDatabase();
  const am = await startAlertmanager('none');
  const corral = await startCorral(db.url, cpuProfileDir ? { cpuProfileDir } : {});
  try {
    for (let round = 1; round <= rounds; round += 1) {
      const stream = new AlertStream({ ...ISSUE_SHAPE, seed: ISSUE_SHAPE.seed + 100 * round }, `r${round}-intake`);
      const batches = chunks(stream.take(100_000), BATCH);
      const alertmanager = await drive(`round ${round} alertmanager`, `${am.baseUrl}/api/v2/alerts`, batches.map(toAlertmanagerApi), { perBody: BATCH, concurrency, accepted: (s) => s === 200 });
      const held = new pg.Client({ connectionString: db.url });
      await held.connect();
      try {
        if (hold) {
          await held.query('BEGIN');
          await held.query('SELECT position FROM inbox_cursor FOR UPDATE');
        }
        const accepted = await drive(`round ${round} corral`, `${corral.baseUrl}/v1/ingest/alertmanager`, batches.map(toWebhook), {
          perBody: BATCH,
          concurrency,
          accepted: (s) => s === 202,
          headers: { authorization: corral.authorization },
        });
        if (hold) await held.query('ROLLBACK');
        const appends = await appendFigures(corral.baseUrl, corral.authorization);
        console.log(`round ${round}: inbox appends so far ${appends.count}, ${appends.rowsPerAppend.toFixed(0)} rows and ${appends.msPerAppend.toFixed(1)} ms each on average`);
        console.log(`round ${round}: Alertmanager ${Math.round(alertmanager.perSecond)}/s, corral ${Math.round(accepted.perSecond)}/s accepted${hold ? ' (correlation held)' : ''}, ${(accepted.perSecond / alertmanager.perSecond).toFixed(2)}×`);
        progress(`round ${round}: waiting for correlation to catch up`);
        for (;;) {
          const pending = await held.query<{ n: number }>('SELECT count(*)::int AS n FROM inbox WHERE position > (SELECT position FROM inbox_cursor)');
          if (pending.rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      } finally {
        await held.end();
      }
    }
    // Every resend of this workload is exact, so the inbox should have caught them all: a repeat
    // the correlator counted means two inbox rows for one alert (a dedup key that differed).
    const kept = new pg.Client({ connectionString: db.url });
    await kept.connect();
    const repeats = await kept.query<{ n: number }>('SELECT coalesce(sum(repeats), 0)::int AS n FROM incident_child');
    await kept.end();
    console.log(`repeats counted by the correlator: ${repeats.rows[0]?.n ?? 0} (0 expected)`);
  } finally {
    await corral.stop();
    await am.stop();
    await db.drop();
  }
}

void main();
