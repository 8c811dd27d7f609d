import { ApiKeys } from '../modules/auth/api-keys.js';
import type { Role } from '../modules/auth/roles.js';
import { loadConfig } from '../modules/config/corral-config.js';
import { AuditTrail } from '../modules/audit/audit-trail.js';
import type { CommonOptions } from './common-options.js';
import { openDatabase } from './open-database.js';
import { cliActor } from './operator.js';
import { printJson, printResult } from './progress.js';
import { UsageError } from './usage-error.js';

export interface KeysCreateOptions extends CommonOptions {
  role: Role;
  label: string;
  expires?: Date;
}

type Keys = { keys: ApiKeys; audit: (action: string, target: string, detail: Record<string, unknown>) => Promise<void> };

/** API keys are managed on the database directly, by whoever can run the CLI there; every change is audited. */
async function withKeys<T>(actor: string | undefined, work: (keys: Keys) => Promise<T>): Promise<T> {
  // A ConfigError reaches the operator as it is, through corral.ts.
  const config = loadConfig();
  const db = await openDatabase(config);
  const trail = new AuditTrail(db.dataSource, config.chain.keys);
  const audit = async (action: string, target: string, detail: Record<string, unknown>) => {
    if (!actor) throw new Error('a change to keys needs an actor');
    await trail.record({ actor, actorKind: 'cli', action, target, outcome: 0, correlationId: `cli-${Date.now()}`, detail: { type: 'activity', ...detail } });
  };
  try {
    return await work({ keys: new ApiKeys(db.dataSource), audit });
  } finally {
    await db.close();
  }
}

/** `corral keys create`: the key is printed once; corral keeps only its hash. */
export async function create(options: KeysCreateOptions): Promise<number> {
  const actor = cliActor(options.as);
  const { role, label } = options;
  const expiresAt = options.expires ?? null;
  const created = await withKeys(actor, async ({ keys, audit }) => {
    const key = await keys.create({ role, label, createdBy: actor, expiresAt });
    await audit('key.create', key.id, { role, label: key.label });
    return key;
  });
  if (options.json) await printJson({ id: created.id, role, label: created.label, expiresAt: expiresAt?.toISOString() ?? null, createdBy: actor, key: created.key });
  else await printResult(`id:      ${created.id}\nrole:    ${role}\nlabel:   ${created.label}\nexpires: ${expiresAt?.toISOString() ?? 'never'}\n\n${created.key}\n\nThis is the only time the key is shown; store it now.`);
  return 0;
}

/** `corral keys list`: never the secret, only its first characters. */
export async function list(options: CommonOptions): Promise<number> {
  const now = new Date();
  const keys = await withKeys(undefined, ({ keys }) => keys.list());
  const stateOf = (k: (typeof keys)[number]) => (k.revokedAt ? 'revoked' : k.expiresAt && k.expiresAt <= now ? 'expired' : 'live');
  if (options.json) {
    await printJson(keys.map((k) => ({ ...k, prefix: `${k.prefix}…`, state: stateOf(k), createdAt: k.createdAt.toISOString(), expiresAt: k.expiresAt?.toISOString() ?? null, revokedAt: k.revokedAt?.toISOString() ?? null })));
    return 0;
  }
  if (keys.length === 0) {
    await printResult('no keys yet: create one with "corral keys create --role admin --label <who>"');
    return 0;
  }
  const lines = keys.map((k) => {
    const state = k.revokedAt ? `revoked ${k.revokedAt.toISOString()}` : k.expiresAt && k.expiresAt <= now ? `expired ${k.expiresAt.toISOString()}` : k.expiresAt ? `expires ${k.expiresAt.toISOString()}` : 'no expiry';
    return `${k.id}  ${k.role.padEnd(10)}  ${k.prefix}…  ${JSON.stringify(k.label)}  ${state}`;
  });
  await printResult(lines.join('\n'));
  return 0;
}

/** `corral keys revoke <id>`: refused from the key's next request, on every instance. */
export async function revoke(id: string, options: CommonOptions): Promise<number> {
  const actor = cliActor(options.as);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw new UsageError(`${JSON.stringify(id)} is not a key id: ids look like 0b9c…-…, see "corral keys list"`);
  }
  const revoked = await withKeys(actor, async ({ keys, audit }) => {
    const done = await keys.revoke(id);
    if (done) await audit('key.revoke', id, {});
    return done;
  });
  if (options.json) await printJson({ id, revoked });
  if (!revoked) {
    process.stderr.write(`corral: no live key ${id}: it was revoked already, or never existed (see "corral keys list")\n`);
    return 1;
  }
  if (!options.json) await printResult(`revoked ${id}`);
  return 0;
}
