import { systemClock, type Clock } from '../../actors/clock.js';
import { randomUUID } from 'node:crypto';
import type { JournalEntry } from '../../correlation/transition.js';
import { CLEAR_MEMBERS, SEALED, seal, type MasterKey, type SealedMembers } from './journal-cipher.js';

/** A data key held in memory: the one this process seals an incident's rows with. */
interface DataKey {
  id: string;
  incidentId: string;
  key: Buffer;
  wrapped: Buffer;
  createdAt: string;
  /** Rows sealed with it so far: the next nonce. */
  sealed: number;
  lastUsed: number;
}

/** A data key not yet committed, as COMMIT_BATCH inserts it into journal_key. */
export interface NewKeyRow {
  id: string;
  incident_id: string;
  wrapped: string;
  created_at: string;
}

/**
 * Seals journal rows before they are chained (the chain covers the sealed bytes, so it still
 * verifies once a key is destroyed). One data key per incident, held in memory: sealing a row is
 * one AES-GCM pass over its secret members, with no I/O. A process without the incident's key in
 * memory makes a new one instead of reading the old one, so `seal` stays synchronous inside the
 * batch; an incident may therefore have several keys, and purge destroys them all.
 *
 * A new key must be in journal_key by the time a row sealed with it commits: every commit carries
 * the keys not yet known to be committed (`unsaved`), and only a successful commit marks them
 * saved. A commit that fails leaves them for the next one; a key inserted twice is ignored.
 */
export class JournalSealer {
  private readonly byIncident = new Map<string, DataKey>();
  private readonly unsavedKeys = new Map<string, DataKey>();

  constructor(
    private readonly master: MasterKey,
    /** Incidents whose key stays in memory; beyond them the oldest is dropped (and replaced by a new key if it writes again). */
    private readonly capacity = 50_000,
    /**
     * A key unused this long is not used again: purge may have destroyed it meanwhile (it spares
     * incidents written in the last hour, retention/purge.ts QUIET_MS), and a row sealed under a
     * destroyed key would be forgotten as it is written.
     */
    private readonly idleMs = 1_800_000,
    /** The runtime's: retention's purge decides by it which incidents went quiet, and so does a key's idleness here. */
    private readonly clock: Clock = systemClock,
  ) {}

  /** The entry as it is stored and chained: its secret members sealed, or the entry itself when it has none. */
  seal(entry: JournalEntry): JournalEntry {
    const { data } = entry;
    let secret: Record<string, unknown> | undefined;
    for (const name in data) {
      if (!CLEAR_MEMBERS.has(name) && data[name] !== undefined) (secret ??= {})[name] = data[name];
    }
    // Most rows (children attached, repeated, resolved) carry codes only: nothing to seal, no copy.
    if (secret === undefined) return entry;
    const key = this.keyFor(entry.incidentId);
    const clear: Record<string, unknown> = {};
    for (const name in data) if (CLEAR_MEMBERS.has(name)) clear[name] = data[name];
    const members: SealedMembers = { key: key.id, fields: Object.keys(secret), box: seal(key.key, nonceOf(key), entry.incidentId, JSON.stringify(secret)) };
    clear[SEALED] = members;
    return { ...entry, data: clear };
  }

  /** Keys made since the last commit that included them succeeded. */
  unsaved(): NewKeyRow[] {
    return [...this.unsavedKeys.values()].map((k) => ({ id: k.id, incident_id: k.incidentId, wrapped: k.wrapped.toString('base64'), created_at: k.createdAt }));
  }

  /** A commit carrying these keys succeeded. */
  saved(ids: Iterable<string>): void {
    for (const id of ids) this.unsavedKeys.delete(id);
  }

  /** These incidents' keys were destroyed: a later row of theirs gets a new key, never a destroyed one. */
  forget(incidentIds: Iterable<string>): void {
    for (const id of incidentIds) this.byIncident.delete(id);
  }

  private keyFor(incidentId: string): DataKey {
    const now = this.clock.now().getTime();
    const held = this.byIncident.get(incidentId);
    if (held && now - held.lastUsed < this.idleMs) {
      held.lastUsed = now;
      return held;
    }
    if (held) this.byIncident.delete(incidentId);
    const id = randomUUID();
    const made = this.master.newDataKey(id, incidentId);
    const key: DataKey = { id, incidentId, key: made.key, wrapped: made.wrapped, createdAt: new Date(now).toISOString(), sealed: 0, lastUsed: now };
    if (this.byIncident.size >= this.capacity) {
      const oldest = this.byIncident.keys().next();
      if (!oldest.done) this.byIncident.delete(oldest.value);
    }
    this.byIncident.set(incidentId, key);
    this.unsavedKeys.set(id, key);
    return key;
  }
}

/** A 96-bit GCM nonce from the key's row counter: unique per key, as each key is used by one process only. */
function nonceOf(key: DataKey): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeUIntBE(key.sealed++, 6, 6);
  return nonce;
}
