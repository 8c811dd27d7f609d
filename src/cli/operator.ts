import { userInfo } from 'node:os';
import { isCode } from '../correlation/privacy.js';
import { UsageError } from './usage-error.js';

export interface OperatorSources {
  /** `--as <name>`. */
  as?: string | undefined;
  env: Record<string, string | undefined>;
  /** The OS account's name; throws when the uid has no entry in the password database. */
  accountName: () => string;
  uid: () => number | undefined;
}

/** Where the operator's name came from, said in a refusal. */
type Source = '--as' | 'SUDO_USER' | 'USER' | 'the OS account' | 'the uid';

function osAccount(sources: OperatorSources): { name: string; from: Source } | undefined {
  try {
    const name = sources.accountName();
    if (name) return { name, from: 'the OS account' };
  } catch {
    // A uid without a password entry (docker run --user 1234, some CI runners): named by number below.
  }
  const uid = sources.uid();
  return uid === undefined ? undefined : { name: `uid:${uid}`, from: 'the uid' };
}

/**
 * Who runs a command, for the audit trail: `--as`, else the human behind sudo (SUDO_USER, since
 * USER is then root), else USER, else the OS account — cron, systemd units and `docker exec`
 * leave USER unset. The name is kept forever in the hash-chained trail, so like the `by` of an
 * HTTP command it must be an account code (no spaces, no e-mail address, nothing the scrubber
 * would take): anything else is refused rather than recorded.
 */
export function operatorName(sources: OperatorSources): string {
  const given = (value: string | undefined) => (value === undefined || value.trim() === '' ? undefined : value);
  const as = given(sources.as);
  const found: { name: string; from: Source } | undefined =
    as !== undefined
      ? { name: as, from: '--as' }
      : given(sources.env.SUDO_USER) !== undefined
        ? { name: sources.env.SUDO_USER as string, from: 'SUDO_USER' }
        : given(sources.env.USER) !== undefined
          ? { name: sources.env.USER as string, from: 'USER' }
          : osAccount(sources);
  if (!found) throw new UsageError('cannot tell who is running this command: name yourself with --as <account>');
  if (!isCode(found.name)) {
    const fix = found.from === '--as' ? 'give an account name' : 'name yourself with --as <account>';
    throw new UsageError(`${found.from} ${JSON.stringify(found.name)} is not an account code (letters, digits and . _ : @ / # + -, no spaces, no personal identifier): ${fix}, e.g. --as jdoe`);
  }
  return found.name;
}

/** The operator running this process. */
export function currentOperator(as: string | undefined): string {
  return operatorName({ as, env: process.env, accountName: () => userInfo().username, uid: () => process.getuid?.() });
}

/** The actor the audit trail records for a command run by this process. */
export function cliActor(as: string | undefined): string {
  return `cli:${currentOperator(as)}`;
}
