import { readFileSync } from 'node:fs';

/** How a section's parser reports a problem with one of its keys (channels-config.ts prefixes the section). */
export type Fail = (key: string, problem: string) => void;

/** Whether `zone` is an IANA time zone this Node knows (America/Chicago, UTC). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A section's `timeZone` key: an IANA zone, UTC when absent. */
export function zoneOf(value: unknown, fail: Fail): string {
  if (value === undefined) return 'UTC';
  if (typeof value === 'string' && isTimeZone(value)) return value;
  fail('timeZone', `must be an IANA time zone such as America/Chicago, got ${JSON.stringify(value)}`);
  return 'UTC';
}

/**
 * `<name>Env` (a variable) or `<name>File` (a mounted secret): exactly one, naming something that
 * holds a value; the secret itself never sits in the channels file. Without `optional`, giving
 * neither is a problem; with it, giving neither is none (undefined).
 */
export function secretOf(section: Record<string, unknown>, name: string, env: NodeJS.ProcessEnv, fail: Fail, optional = false): { value: string; key: string; from: string } | undefined {
  const envKey = `${name}Env`;
  const fileKey = `${name}File`;
  const variable = section[envKey];
  const file = section[fileKey];
  if (variable !== undefined && file !== undefined) {
    fail(envKey, `give ${envKey} or ${fileKey}, not both`);
    return undefined;
  }
  if (variable !== undefined) {
    if (typeof variable !== 'string' || variable === '') return void fail(envKey, 'must name an environment variable');
    const value = env[variable]?.trim();
    if (!value) return void fail(envKey, `names ${variable}, which is not set`);
    return { value, key: envKey, from: `the variable ${variable}` };
  }
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') return void fail(fileKey, 'must name a file');
    let value: string;
    try {
      value = readFileSync(file, 'utf8').trim();
    } catch (error) {
      return void fail(fileKey, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    if (value === '') return void fail(fileKey, `${file} is empty`);
    return { value, key: fileKey, from: `the file ${file}` };
  }
  if (!optional) fail(envKey, `is required (or ${fileKey}): the secret never sits in the channels file`);
  return undefined;
}

/** A time as a ward reads it, in `timeZone`: the clock time if it is today there, else the day and time ("Fri 4 Dec 23:40"). */
export function wardTime(at: Date, now: Date, timeZone: string): string {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);
  if (day.format(at) === day.format(now)) return time;
  return `${new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', day: 'numeric', month: 'short' }).format(at)} ${time}`;
}
