// First: an old Node is refused with a plain sentence before anything else loads.
import '../node-version.js';

/**
 * `npm run corral -- <command> …`: the operator's command line. Each command group lives in its
 * own file and is loaded only when asked for.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<{ run(args: string[]): Promise<number> }> }> = {
  migrate: { summary: 'apply pending database migrations', load: () => import('./migrate-command.js') },
  dlq: { summary: 'dlq replay [--reason R]: re-submit dead letters', load: () => import('./dlq-command.js') },
  rules: { summary: 'check a rules directory, or test rule cases against it', load: () => import('./rules-command.js') },
  keys: { summary: 'keys create --role R --label L [--expires 90d] | list | revoke <id>', load: () => import('./keys-command.js') },
  audit: { summary: 'audit verify: check the journal and audit hash chains', load: () => import('./audit-command.js') },
  purge: { summary: 'purge --before <date> | --retention [--dry-run] [--json]: forget closed incidents\' free text', load: () => import('./purge-command.js') },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `usage: npm run corral -- <command> [args]\n\ncommands:\n${lines.join('\n')}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  return (await command.load()).run(args);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
