import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from './roles.js';

/** An API key as stored: never the key itself, only its SHA-256. */
@Entity('api_key')
export class ApiKeyRow {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') label!: string;
  @Column('text') role!: Role;
  @Column('text', { name: 'key_hash' }) keyHash!: string;
  /** The first characters of the key, so an operator can tell keys apart in `keys list`. */
  @Column('text') prefix!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'expires_at', nullable: true }) expiresAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}
