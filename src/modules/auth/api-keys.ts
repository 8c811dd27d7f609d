import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../actors/clock.js';
import { scrubText } from '../../correlation/scrub.js';
import { clampText, withoutControls } from '../ingest/unicode.js';
import type { DataSource, EntityManager } from 'typeorm';
import type { ApiKeyCache } from './api-key-cache.js';
import type { ApiKeyRow } from './api-key.entity.js';
import { ApiKeyRepository } from './api-key.repository.js';
import type { Principal, Role } from './roles.js';

/** `crl_` + 256 random bits: recognisable in a leaked-secret scan, unguessable, fast to hash. */
const KEY_PATTERN = /^crl_[A-Za-z0-9_-]{43}$/;

export interface CreatedKey {
  id: string;
  /** Shown once; corral keeps only its hash. */
  key: string;
  label: string;
  role: Role;
  expiresAt: Date | null;
}

export interface KeySummary {
  id: string;
  label: string;
  role: Role;
  prefix: string;
  createdAt: Date;
  createdBy: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/**
 * API keys: minted at random, stored as SHA-256 (a 256-bit random key needs no slow hash: there is
 * nothing to brute-force), found by that hash, refused once expired or revoked. Used by the HTTP
 * guard and by `corral keys`.
 */
export class ApiKeys {
  private readonly rows: ApiKeyRepository;

  constructor(
    db: DataSource | EntityManager,
    /** The server's: keys looked up once, forgotten on any change (the CLI reads every time). */
    private readonly cache?: ApiKeyCache,
    private readonly clock: Clock = systemClock,
  ) {
    this.rows = new ApiKeyRepository(db);
  }

  async create(input: { role: Role; label: string; createdBy: string; expiresAt?: Date | null }): Promise<CreatedKey> {
    const label = keyLabel(input.label);
    const key = `crl_${randomBytes(32).toString('base64url')}`;
    const row: ApiKeyRow = {
      id: randomUUID(),
      label,
      role: input.role,
      keyHash: hashKey(key),
      prefix: key.slice(0, 10),
      createdAt: this.clock.now(),
      createdBy: input.createdBy,
      expiresAt: input.expiresAt ?? null,
      revokedAt: null,
    };
    await this.rows.insert(row);
    return { id: row.id, key, label: row.label, role: row.role, expiresAt: row.expiresAt };
  }

  async list(): Promise<KeySummary[]> {
    const rows = await this.rows.all();
    return rows.map(({ keyHash: _hash, ...summary }) => summary);
  }

  /** True when a live key was revoked now; revoking twice keeps the first time. */
  async revoke(id: string, at = this.clock.now()): Promise<boolean> {
    return this.rows.revokeLive(id, at);
  }

  async count(): Promise<number> {
    return this.rows.count();
  }

  /** The principal behind a presented key, or why there is none. */
  async authenticate(presented: string, now = this.clock.now()): Promise<Principal | { refused: string }> {
    if (!KEY_PATTERN.test(presented)) return { refused: 'not an API key' };
    const keyHash = hashKey(presented);
    const remembered = this.cache?.get(keyHash);
    const row = remembered === null ? undefined : (remembered ?? (this.cache ? await this.cache.load(keyHash, () => this.rows.byHash(keyHash)) : await this.rows.byHash(keyHash)));
    if (!row) return { refused: 'unknown API key' };
    if (row.revokedAt) return { refused: 'API key revoked' };
    if (row.expiresAt && row.expiresAt <= now) return { refused: 'API key expired' };
    return { kind: 'api-key', id: row.id, name: row.label, role: row.role as Role };
  }
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Longest label kept: a name or a team, never a paragraph. */
const MAX_LABEL = 200;

/**
 * A key's label is free text typed by an operator and becomes the actor of the key's requests in the
 * audit trail, so it gets what every free-text field gets: control characters out, identifiers
 * scrubbed (a label "desk for MRN 4455667" must not keep the MRN in the clear), cut between
 * characters. Every creator (the CLI, the first admin) passes here.
 */
export function keyLabel(text: string): string {
  const label = clampText(scrubText(withoutControls(text, ' ')).trim(), MAX_LABEL);
  if (!label) throw new Error('a key needs a label saying who or what holds it ("Service desk")');
  return label;
}
