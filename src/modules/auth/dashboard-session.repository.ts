import type { DataSource } from 'typeorm';
import type { Role } from './roles.js';

/** A session with the key it came from: whether that key still holds decides whether the session does. */
export interface SessionWithKey {
  id: string;
  label: string;
  role: Role;
  expires_at: Date;
  revoked_at: Date | null;
  key_expires_at: Date | null;
}

/** The dashboard_session table: token hashes, the key each came from, and when each ends. */
export class DashboardSessionRepository {
  constructor(private readonly db: DataSource) {}

  /** Sessions past their end go when a new one starts: the table stays the size of the sessions in use. */
  async insertPruning(tokenHash: string, keyId: string, expiresAt: Date, now: Date): Promise<void> {
    await this.db.query(`DELETE FROM dashboard_session WHERE expires_at < $1`, [now.toISOString()]);
    await this.db.query(`INSERT INTO dashboard_session (token_hash, key_id, expires_at) VALUES ($1, $2, $3)`, [tokenHash, keyId, expiresAt.toISOString()]);
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.query(`DELETE FROM dashboard_session WHERE token_hash = $1`, [tokenHash]);
  }

  async withKey(tokenHash: string): Promise<SessionWithKey | undefined> {
    const rows = await this.db.query<SessionWithKey[]>(
      `SELECT k.id, k.label, k.role, s.expires_at, k.revoked_at, k.expires_at AS key_expires_at
         FROM dashboard_session s JOIN api_key k ON k.id = s.key_id WHERE s.token_hash = $1`,
      [tokenHash],
    );
    return rows[0];
  }
}
