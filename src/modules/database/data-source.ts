import { DataSource } from 'typeorm';
import { InitialSchema1764000000000 } from '../../../migrations/1764000000000-initial-schema.js';
import { CorrelationEngine1764200000000 } from '../../../migrations/1764200000000-correlation-engine.js';
import { RuntimeDurability1764250000000 } from '../../../migrations/1764250000000-runtime-durability.js';
import { Outbox1764300000000 } from '../../../migrations/1764300000000-outbox.js';
import { AuthAudit1764400000000 } from '../../../migrations/1764400000000-auth-audit.js';
import { AuditRow } from '../audit/audit.entity.js';
import { ApiKeyRow } from '../auth/api-key.entity.js';
import { DeadLetters1764100000000 } from '../../../migrations/1764100000000-dead-letters.js';
import { Enrichment1764500000000 } from '../../../migrations/1764500000000-enrichment.js';
import { BlastRadius1764600000000 } from '../../../migrations/1764600000000-blast-radius.js';
import { Cluster1764700000000 } from '../../../migrations/1764700000000-cluster.js';
import { CommitCheck1764800000000 } from '../../../migrations/1764800000000-commit-check.js';
import { ApiKeyNotify1764810000000 } from '../../../migrations/1764810000000-api-key-notify.js';
import { ApiKeyNotifyInsert1765500000000 } from '../../../migrations/1765500000000-api-key-notify-insert.js';
import { BlockedLanes1765500000001 } from '../../../migrations/1765500000001-blocked-lanes.js';
import { ChildRevision1764900000000 } from '../../../migrations/1764900000000-child-revision.js';
import { HotIncidentUpdates1765000000000 } from '../../../migrations/1765000000000-hot-incident-updates.js';
import { OutboxLanes1765100000000 } from '../../../migrations/1765100000000-outbox-lanes.js';
import { KeyedChains1765400000000 } from '../../../migrations/1765400000000-keyed-chains.js';
import { JournalKeys1765700000000 } from '../../../migrations/1765700000000-journal-keys.js';
import { Inbox1765800000000 } from '../../../migrations/1765800000000-inbox.js';
import { HotSnapshots1765900000000 } from '../../../migrations/1765900000000-hot-snapshots.js';
import { HelpdeskTickets1766000000000 } from '../../../migrations/1766000000000-helpdesk-tickets.js';
import { IncidentPublicNotes1766100000000 } from '../../../migrations/1766100000000-incident-public-notes.js';
import { EnrichmentLookupRow } from '../enrichment/enrichment-lookup.entity.js';
import { DeadLetterReplayRow, DeadLetterRow } from '../ingest/dead-letters/dead-letter.entity.js';
import { ActorSnapshotRow, IncidentChildRow, IncidentRow, JournalRow, OutboxDeliveryRow, OutboxRow } from './entities.js';

export const ENTITIES = [IncidentRow, IncidentChildRow, JournalRow, ActorSnapshotRow, OutboxRow, OutboxDeliveryRow, DeadLetterRow, DeadLetterReplayRow, EnrichmentLookupRow, ApiKeyRow, AuditRow];
export const MIGRATIONS = [InitialSchema1764000000000, DeadLetters1764100000000, CorrelationEngine1764200000000, RuntimeDurability1764250000000, Outbox1764300000000, AuthAudit1764400000000, Enrichment1764500000000, BlastRadius1764600000000, Cluster1764700000000, CommitCheck1764800000000, ApiKeyNotify1764810000000, ChildRevision1764900000000, HotIncidentUpdates1765000000000, OutboxLanes1765100000000, KeyedChains1765400000000, ApiKeyNotifyInsert1765500000000, BlockedLanes1765500000001, JournalKeys1765700000000, Inbox1765800000000, HotSnapshots1765900000000, HelpdeskTickets1766000000000, IncidentPublicNotes1766100000000];

/** The one DataSource definition, used by the app, the migrate CLI and the tests. */
export function createDataSource(url: string, options: { poolSize?: number } = {}): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    // A process frozen inside a transaction (SIGSTOP, a VM pause) would otherwise hold its
    // partition-lease locks indefinitely and block the takeover by another instance. corral's
    // transactions run their statements back to back, so 5 s idle inside one is never legitimate.
    extra: { max: options.poolSize ?? 10, application_name: 'corral', idle_in_transaction_session_timeout: 5_000 },
  });
}
