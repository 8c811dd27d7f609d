// First: an old Node is refused with a plain sentence before anything else loads.
import '../node-version.js';
import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CommonOptions } from './common-options.js';
import type { LaneOptions } from './deliveries-command.js';
import type { ReplayOptions } from './dlq-command.js';
import type { EvalOptions } from './eval-command.js';
import type { ReplayRulesOptions } from './replay-command.js';
import type { KeysCreateOptions } from './keys-command.js';
import type { PurgeOptions } from './purge-command.js';
import type { RulesTestOptions } from './rules-command.js';
import { explain } from './next-step.js';
import { UsageError } from './usage-error.js';

/**
 * `corral <command> …` (`npx corral`, or bin/corral.js): the operator's command line.
 *
 * This module only describes the commands: it imports commander and nothing heavy, so `corral
 * --help` and `corral keys --help` answer without loading Nest, TypeORM or PostgreSQL. Each action
 * imports its command's implementation when it runs.
 *
 * Exit codes: 0 done, 1 failed (the message says what to do next), 2 the command line was wrong
 * (the usage of the command follows on stderr).
 */

const ROLES = ['ingest', 'agent', 'leadership', 'auditor', 'admin'];

function version(): string {
  try {
    // dist/src/cli/corral.js → the package.json beside dist/.
    return (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

const jsonOption = () => new Option('--json', 'print the result as JSON on stdout (nothing else goes to stdout)');
const quietOption = () => new Option('-q, --quiet', 'no progress lines on stderr');
const asOption = () => new Option('--as <name>', 'the operator recorded in the audit trail (default: SUDO_USER, USER, else the OS account)');

function positiveInteger(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw new InvalidArgumentError('a whole number above 0 is needed.');
  return Number(value);
}

function pastDate(value: string): Date {
  const at = Date.parse(value);
  if (Number.isNaN(at)) throw new InvalidArgumentError('a date (2025-01-31) or an ISO instant is needed.');
  if (at > Date.now()) throw new InvalidArgumentError(`${new Date(at).toISOString()} is in the future.`);
  return new Date(at);
}

function uuid(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('an incident id (a UUID) is needed.');
  return value;
}

function futureExpiry(value: string): Date {
  const days = /^(\d{1,4})d$/.exec(value);
  if (days) return new Date(Date.now() + Number(days[1]) * 86_400_000);
  const at = Date.parse(value);
  if (Number.isNaN(at) || at <= Date.now()) throw new InvalidArgumentError('a number of days (90d) or an ISO date in the future is needed.');
  return new Date(at);
}

/** Runs an action's implementation; its exit code is what the process exits with. */
type Run = () => Promise<number>;

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command('corral');
  program
    .description('corral, the incident correlator for hospital IT: operator commands.\nThey work on the database directly: DATABASE_URL, or the embedded PostgreSQL in CORRAL_DATA_DIR (./.corral).')
    .version(version(), '-V, --version')
    .exitOverride()
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false, showGlobalOptions: false })
    .addHelpText('after', '\nExit codes: 0 done, 1 failed, 2 wrong command line.\nProgress goes to stderr, results to stdout; --json makes stdout pure JSON.\nRun "corral <command> --help" for a command\'s options.');

  /** Library logs go to stderr before anything heavy loads, so stdout holds only the result. */
  const act = (command: Command, run: Run) =>
    command.action(async () => {
      const { routeLibraryLogsToStderr } = await import('./library-logs.js');
      routeLibraryLogsToStderr();
      try {
        setExitCode(await run());
      } catch (error) {
        // A refusal found only once the command ran (an --as that is no account code …): a usage error all the same.
        if (error instanceof UsageError) command.error(`error: ${error.message}`, { exitCode: 2, code: 'corral.usage' });
        throw error;
      }
    });

  const migrate = program.command('migrate').description('apply pending database migrations (corral also does this when it starts)').addOption(jsonOption()).addOption(quietOption());
  act(migrate, async () => (await import('./migrate-command.js')).migrate(migrate.opts<CommonOptions>()));

  const keys = program.command('keys').description('API keys: create, list, revoke');
  const create = keys
    .command('create')
    .description('create an API key; it is printed once, corral keeps only its hash')
    .addOption(new Option('--role <role>', 'what the key may do').choices(ROLES).makeOptionMandatory())
    .requiredOption('--label <text>', 'who or what holds the key ("Service desk"); recorded as the actor of its requests')
    .addOption(new Option('--expires <when>', 'a number of days (90d) or an ISO date in the future; default: never').argParser(futureExpiry))
    .addOption(jsonOption())
    .addOption(asOption())
    .addHelpText('after', '\nPresent the key as: Authorization: Bearer <key>');
  act(create, async () => (await import('./keys-command.js')).create(create.opts<KeysCreateOptions>()));
  const list = keys.command('list').description('list keys with their role, label, prefix and state (never the secret)').addOption(jsonOption());
  act(list, async () => (await import('./keys-command.js')).list(list.opts<CommonOptions>()));
  const revoke = keys.command('revoke').description('revoke a key for good; it is refused from its next request').argument('<id>', 'the key id (see "corral keys list")').addOption(jsonOption()).addOption(asOption());
  act(revoke, async () => (await import('./keys-command.js')).revoke(revoke.args[0] ?? '', revoke.opts<CommonOptions>()));

  const audit = program.command('audit').description('the audit trail and the journal');
  const verify = audit
    .command('verify')
    .description('recompute the journal and audit hash chains and check them against the latest signed checkpoint')
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(asOption())
    .addHelpText(
      'after',
      '\nUses the chain key (CORRAL_CHAIN_KEY, or chain.key in the data directory) and CORRAL_CHAIN_CHECKPOINT_FILE.\nReports every broken row (the first 100 listed, all counted). Exits 0 when everything holds, 1 when something does not.\nThe verification reads the whole trail, so it is itself recorded in the audit trail.',
    );
  act(verify, async () => (await import('./audit-command.js')).verify(verify.opts<CommonOptions>()));

  const purge = program
    .command('purge')
    .description("forget closed incidents' free text (the server does this daily with --retention)")
    .addOption(new Option('--before <date>', 'incidents closed before this date or instant').argParser(pastDate).conflicts('retention'))
    .addOption(new Option('--retention', 'before now − JOURNAL_RETENTION_DAYS'))
    .option('--dry-run', 'count what would go, change nothing')
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(asOption())
    .addHelpText(
      'after',
      "\nDestroys the journal data keys of those incidents (their sealed members then read \"[forgotten]\"; the hash chains still verify),\nscrubs titles, report vocabulary and requester tokens from their snapshots and read models, deletes their delivered ticket\nevents, and deletes dead letters and directory lookups older than the date. Incidents written to in the last hour are left\nfor the next run. Running it again does nothing more. Every run that is not --dry-run is recorded in the audit trail.",
    );
  act(purge, async () => (await import('./purge-command.js')).purge(purge.opts<PurgeOptions>()));

  const dlq = program.command('dlq').description('dead letters');
  const replay = dlq
    .command('replay')
    .description('re-submit dead letters not yet accepted to the running corral, oldest first')
    .option('--reason <reason>', 'only letters dead for this reason (invalid, unsupported-source, …)')
    .option('--source <source>', 'only letters from this source (alertmanager, hl7, canonical, …)')
    .addOption(new Option('--limit <n>', 'at most this many letters').argParser(positiveInteger).default(10_000))
    .addOption(jsonOption())
    .addOption(quietOption())
    .addOption(asOption())
    .addHelpText(
      'after',
      '\nSends them through the front door again (the HTTP route of their source) at CORRAL_URL (default http://127.0.0.1:$PORT)\nwith the ingest or admin key in CORRAL_API_KEY. Every attempt is recorded in dead_letter_replay; a letter refused again stays dead.\nExits 1 when an attempt failed (corral unreachable, a 5xx), 0 otherwise.',
    );
  act(replay, async () => (await import('./dlq-command.js')).replay(replay.opts<ReplayOptions>()));

  const deliveries = program.command('deliveries').description('ticket deliveries held by a dead one: list, retry, skip');
  const blocked = deliveries
    .command('blocked')
    .description('lanes (destination × incident) held by a dead delivery: nothing behind it goes out until it is retried or skipped')
    .addOption(jsonOption())
    .addOption(asOption());
  act(blocked, async () => (await import('./deliveries-command.js')).blocked(blocked.opts<CommonOptions>()));
  const retry = deliveries
    .command('retry')
    .description('put dead deliveries back to pending at once (after the helpdesk is fixed): nothing is lost, their lanes move again')
    .option('--destination <destination>', 'only this destination (webhook:servicenow, …); all when absent')
    .addOption(new Option('--incident <id>', "only this incident's lane").argParser(uuid))
    .addOption(jsonOption())
    .addOption(asOption());
  act(retry, async () => (await import('./deliveries-command.js')).retry(retry.opts<LaneOptions>()));
  const skip = deliveries
    .command('skip')
    .description("give up on a lane's dead deliveries (kept as skipped), so the events behind them go out")
    .requiredOption('--destination <destination>', 'the lane\'s destination (webhook:servicenow, …)')
    .addOption(new Option('--incident <id>', "the lane's incident").argParser(uuid).makeOptionMandatory())
    .addOption(jsonOption())
    .addOption(asOption());
  act(skip, async () => (await import('./deliveries-command.js')).skip(skip.opts<LaneOptions & { destination: string; incident: string }>()));

  const rules = program.command('rules').description('correlation rules: check a directory, test cases against it');
  const check = rules.command('check').description('validate a rules directory').argument('[dir]', 'the directory (default: config/rules)').addOption(jsonOption());
  act(check, async () => (await import('./rules-command.js')).check(check.args[0], check.opts<CommonOptions>()));
  const test = rules
    .command('test')
    .description('run rule cases (YAML or JSON) against a rules directory')
    .argument('<cases>', 'the cases file')
    .option('--rules <dirs>', 'rules directories separated by ":" (default: config/rules)')
    .addOption(jsonOption());
  act(test, async () => (await import('./rules-command.js')).test(test.args[0] ?? '', test.opts<RulesTestOptions>()));

  const replayRules = program
    .command('replay')
    .description("what a candidate rule set would decide on the inbox's recorded history, beside the rules in force: grouping, routing, priority, tickets")
    .requiredOption('--rules <dirs>', 'the candidate rules directories, separated by ":"')
    .option('--from <instant>', 'only inputs received at or after this ISO-8601 instant')
    .option('--to <instant>', 'only inputs received at or before this ISO-8601 instant')
    .addOption(jsonOption())
    .addOption(quietOption())
    .addHelpText('after', '\nReads the inbox (kept INBOX_RETENTION_MS, 8 days by default) of the database the server uses; writes nothing. The rules in force are CORRAL_RULES_DIR (default config/rules).');
  act(replayRules, async () => (await import('./replay-command.js')).replayRules(replayRules.opts<ReplayRulesOptions>()));

  const evaluation = program
    .command('eval')
    .description('labeled storms through the adapters and the correlator: pairwise grouping F1, routing accuracy, tickets per real incident')
    .argument('[dir]', 'the scenarios directory', 'eval/scenarios')
    .option('--rules <dirs>', 'rules directories separated by ":" (default: config/rules)')
    .option('--floor <file>', 'a JSON file of minimum figures ({ "f1": 0.98, "routing": 0.95, "exactlyOneTicket": 1 }): exit 1 below any')
    .option('--incidents', "list each scenario's incidents beside the truth")
    .addOption(jsonOption())
    .addOption(quietOption())
    .addHelpText('after', '\nThe scenario format is in eval/README.md. Exits 1 when an item is refused by its adapter or a figure is below the floor.');
  act(evaluation, async () => (await import('./eval-command.js')).evaluate(evaluation.args[0] ?? 'eval/scenarios', evaluation.opts<EvalOptions>()));

  return program;
}

/** 0 for help and --version, 2 for any other refusal of the command line. */
function exitCodeOf(error: CommanderError): number {
  return error.exitCode === 0 ? 0 : 2;
}

async function main(argv: string[]): Promise<number> {
  let code = 0;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return exitCodeOf(error);
    process.stderr.write(`${explain(error)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${explain(error)}\n`);
    process.exit(1);
  },
);
