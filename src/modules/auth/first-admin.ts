import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { ApiKeyRepository } from './api-key.repository.js';
import { ApiKeys } from './api-keys.js';

/**
 * A fresh install has no keys, so nobody could call anything. On the first start only (no key was
 * ever created, revoked ones included) corral mints one admin key and writes it to
 * `<data dir>/admin.key` (mode 0600) — never to the log, which is shipped to places keys must not
 * go. The operator reads it once, creates real keys, and revokes it.
 */
export async function ensureFirstAdmin(db: DataSource, dataDir: string): Promise<string | undefined> {
  return db.transaction(async (tx) => {
    const rows = new ApiKeyRepository(tx);
    await rows.lockFirstStart();
    if ((await rows.count()) > 0) return undefined;
    const created = await new ApiKeys(tx).create({ role: 'admin', label: 'first admin (created at first start)', createdBy: 'corral' });
    mkdirSync(dataDir, { recursive: true });
    const file = join(dataDir, 'admin.key');
    writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
    new Logger('Auth').warn(
      `no API keys yet: created an admin key (id ${created.id}) and wrote it to ${file}. ` +
        `Read it once, create your own keys (npx corral keys create --role agent --label "…"), then revoke it (npx corral keys revoke ${created.id}) and delete the file.`,
    );
    return file;
  });
}
