import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import type { KeyRecord } from './api-key-cache.js';
import { ApiKeyRow } from './api-key.entity.js';

/** Serialises first starts: two instances starting on an empty database mint one first admin key, not two. */
const FIRST_ADMIN_LOCK = 0x6b657973; // "keys"

/**
 * The api_key table. Given a DataSource or, inside a transaction, its EntityManager: every method
 * then runs in that transaction (the first admin's count and insert under one lock).
 */
export class ApiKeyRepository {
  constructor(private readonly db: DataSource | EntityManager) {}

  async insert(row: ApiKeyRow): Promise<void> {
    await this.db.getRepository(ApiKeyRow).insert(row);
  }

  /** Every key, oldest first, revoked and expired ones included. */
  async all(): Promise<ApiKeyRow[]> {
    return this.db.getRepository(ApiKeyRow).find({ order: { createdAt: 'ASC' } });
  }

  /** True when a live key was revoked now; revoking twice keeps the first time. */
  async revokeLive(id: string, at: Date): Promise<boolean> {
    const result = await this.db.getRepository(ApiKeyRow).update({ id, revokedAt: IsNull() }, { revokedAt: at });
    return (result.affected ?? 0) > 0;
  }

  async count(): Promise<number> {
    return this.db.getRepository(ApiKeyRow).count();
  }

  /** The key with this hash, as authentication needs it; a plain statement (the hot path of every API call not yet cached). */
  async byHash(keyHash: string): Promise<KeyRecord | undefined> {
    const [row] = await this.db.query<Array<{ id: string; label: string; role: string; expires_at: Date | null; revoked_at: Date | null }>>(
      `SELECT id, label, role, expires_at, revoked_at FROM api_key WHERE key_hash = $1`,
      [keyHash],
    );
    return row ? { id: row.id, label: row.label, role: row.role, expiresAt: row.expires_at, revokedAt: row.revoked_at } : undefined;
  }

  /** Within a transaction: held until it ends, so a concurrent first start waits and then sees this one's key. */
  async lockFirstStart(): Promise<void> {
    await this.db.query('SELECT pg_advisory_xact_lock($1)', [FIRST_ADMIN_LOCK]);
  }
}
