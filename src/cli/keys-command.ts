import { ApiKeys } from '../modules/auth/api-keys.js';
import { isRole, ROLES } from '../modules/auth/roles.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { AuditTrail } from '../modules/audit/audit-trail.js';
import { openDatabase } from './open-database.js';

const USAGE = `usage: npm run corral -- keys create --role <${ROLES.join('|')}> --label "<who>" [--expires <N>d | <ISO date>]
       npm run corral -- keys list
       npm run corral -- keys revoke <id>

The key is printed once; corral keeps only its hash. Present it as: Authorization: Bearer <key>`;

/** `npm run corral -- keys …`: API keys are managed on the database directly, by whoever can run the CLI there. */
export async function run(args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  const options = parseOptions(rest);
  if (!verb || typeof options === 'string' || !['create', 'list', 'revoke'].includes(verb)) {
    console.error(`${typeof options === 'string' ? `${options}\n\n` : ''}${USAGE}`);
    return 2;
  }
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const db = await openDatabase(config);
  const keys = new ApiKeys(db.dataSource);
  const trail = new AuditTrail(db.dataSource, config.chain.keys);
  const actor = `cli:${process.env.USER ?? 'unknown'}`;
  const audit = (action: string, target: string, detail: Record<string, unknown>) =>
    trail.record({ actor, actorKind: 'cli', action, target, outcome: 0, correlationId: `cli-${Date.now()}`, detail: { type: 'activity', ...detail } });
  try {
    if (verb === 'list') {
      const now = new Date();
      for (const k of await keys.list()) {
        const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt <= now ? `expired ${k.expiresAt.toISOString()}` : k.expiresAt ? `expires ${k.expiresAt.toISOString()}` : 'no expiry';
        console.log(`${k.id}  ${k.role.padEnd(10)}  ${k.prefix}…  ${JSON.stringify(k.label)}  ${state}`);
      }
      return 0;
    }
    if (verb === 'revoke') {
      const id = options.positional[0];
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) {
        console.error(`revoke needs a key id (see keys list)\n\n${USAGE}`);
        return 2;
      }
      const revoked = await keys.revoke(id);
      if (!revoked) {
        console.error(`no live key ${id}`);
        return 1;
      }
      await audit('key.revoke', id, {});
      console.log(`revoked ${id}`);
      return 0;
    }
    const { role, label, expires } = options.flags;
    if (!isRole(role) || !label) {
      console.error(`create needs --role (${ROLES.join(', ')}) and --label\n\n${USAGE}`);
      return 2;
    }
    const expiresAt = expires === undefined ? null : expiryOf(expires);
    if (expiresAt === undefined) {
      console.error(`--expires must be a number of days (90d) or an ISO date in the future\n\n${USAGE}`);
      return 2;
    }
    const created = await keys.create({ role, label, createdBy: actor, expiresAt });
    await audit('key.create', created.id, { role, label });
    console.log(`id:    ${created.id}\nrole:  ${role}\nlabel: ${label}\nexpires: ${expiresAt?.toISOString() ?? 'never'}\n\n${created.key}\n\nThis is the only time the key is shown; store it now.`);
    return 0;
  } finally {
    await db.close();
  }
}

function expiryOf(text: string): Date | null | undefined {
  const days = /^(\d{1,4})d$/.exec(text);
  if (days) return new Date(Date.now() + Number(days[1]) * 86_400_000);
  const at = new Date(text);
  return Number.isNaN(at.getTime()) || at.getTime() <= Date.now() ? undefined : at;
}

function parseOptions(args: string[]): { flags: Record<string, string>; positional: string[] } | string {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i];
    if (arg === undefined) break;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const name = arg.slice(2);
    if (!['role', 'label', 'expires'].includes(name)) return `unknown option ${arg}`;
    const value = args[i + 1];
    if (value === undefined) return `${arg} needs a value`;
    flags[name] = value;
    i += 1;
  }
  return { flags, positional };
}
