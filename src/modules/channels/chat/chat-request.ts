import { UnauthorizedException, type Logger } from '@nestjs/common';

// What the Slack and Teams routes share: the body's bytes (verified before anything reads them),
// the refusal of an unsigned request, and a deadline on work that goes on after the answer.

/** The body as body-parsers.ts hands these routes their bytes; an unread or absent body is no bytes. */
export function bodyBytes(body: unknown): Buffer {
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
}

/** Refuses a request whose signature did not verify: 401, the reason said, nothing of it read. */
export function refuseUnsigned(logger: Logger, route: string, reason: string): never {
  logger.warn(`${route}: 401 ${reason}`);
  throw new UnauthorizedException(reason);
}

/** The verified body's JSON, or why not (never quoting it: it may hold what the privacy filter exists to remove). */
export function jsonOf(bytes: Buffer): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(bytes.toString('utf8')) as unknown };
  } catch {
    return { ok: false, reason: bytes.length === 0 ? 'the body is empty; a JSON object was expected' : 'the body is not valid JSON' };
  }
}

export type Within<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'running' };

/** What `work` came to within `ms`: its value, its error, or nothing yet (it goes on, unobserved by this). */
export async function within<T>(work: Promise<T>, ms: number): Promise<Within<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Within<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'running' }), ms);
  });
  try {
    return await Promise.race([work.then((value): Within<T> => ({ kind: 'done', value }), (error: unknown): Within<T> => ({ kind: 'failed', error })), late]);
  } finally {
    clearTimeout(timer);
  }
}
