/** Who may do what is decided by role alone (DESIGN §11); access-matrix.ts maps routes to roles. */
export const ROLES = ['ingest', 'agent', 'leadership', 'auditor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** The authenticated caller of one request. */
export interface Principal {
  kind: 'api-key' | 'jwt';
  /** Key id or JWT `sub`: what rate limits and audit rows are keyed on. */
  id: string;
  /** Human-readable, recorded as the actor: the key's label, or the token's subject. */
  name: string;
  role: Role;
}
