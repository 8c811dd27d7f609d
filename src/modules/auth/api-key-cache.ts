import { Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import pg from 'pg';

/** What a request needs to know about its key; expiry is checked at every use. */
export interface KeyRecord {
  id: string;
  label: string;
  role: string;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

const CHANNEL = 'corral_api_key';
const MAX_BACKOFF_MS = 30_000;
/** How often the listening connection is proven alive; a half-open one would otherwise look fine forever. */
const PROBE_MS = 5_000;
/** A backstop, not the mechanism: even if every check failed silently, nothing is remembered longer. */
const REMEMBER_MS = 60_000;
/**
 * A key found nowhere is remembered this long, at most UNKNOWN_MAX of them (least recent leave
 * first): a flood of random keys costs memory bounded by that, and repeats of one cost no lookup.
 */
const UNKNOWN_MS = 10_000;
const UNKNOWN_MAX = 20_000;

/**
 * API keys this instance has looked up, so that a request does not cost a database read (it was
 * the largest per-request cost after HTTP itself). Correctness rests on invalidation, not on a
 * short lifetime: every change to `api_key` notifies `corral_api_key` when it commits (migration
 * 1764810000000), and this instance, LISTENing on its own connection, forgets everything. While
 * that connection is down nothing is remembered, so a revocation is never missed; the connection
 * is proven alive every 5 s (a half-open one never reports an error), and nothing is remembered
 * longer than a minute in any case. Keys that do not exist are remembered too, for 10 s; creating a
 * key notifies as well (migration 1765500000000; the payload is the operation, and an INSERT only
 * forgets the unknown ones), so a new key works at once. A lookup that raced a notification is not remembered either
 * (the generation moved on meanwhile). LISTEN needs a session of its own: through a pooler in
 * transaction mode (PgBouncer) notices never arrive, and the probe cannot tell.
 */
export class ApiKeyCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeyCache');
  private readonly records = new LRUCache<string, KeyRecord>({ max: 10_000, ttl: REMEMBER_MS });
  private readonly unknown = new LRUCache<string, true>({ max: UNKNOWN_MAX, ttl: UNKNOWN_MS });
  private client: pg.Client | undefined;
  private listening = false;
  private generation = 0;
  /** Moves on with every change, creations included; "unknown" answers must have seen none. */
  private unknownGeneration = 0;
  private backoffMs = 500;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private probe: NodeJS.Timeout | undefined;

  constructor(private readonly connectionString: string) {}

  async onModuleInit(): Promise<void> {
    await this.listen();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    clearInterval(this.probe);
    this.listening = false;
    await this.client?.end().catch(() => undefined);
  }

  /** The remembered record of a key hash, `null` for a key remembered as unknown, if it is safe to use either now. */
  get(keyHash: string): KeyRecord | null | undefined {
    if (!this.listening) return undefined;
    return this.records.get(keyHash) ?? (this.unknown.has(keyHash) ? null : undefined);
  }

  /** Looks up through `read` and remembers the answer (found or not) unless a change was notified meanwhile. */
  async load(keyHash: string, read: () => Promise<KeyRecord | undefined>): Promise<KeyRecord | undefined> {
    const before = this.generation;
    const unknownBefore = this.unknownGeneration;
    const record = await read();
    if (this.listening && record && this.generation === before) this.records.set(keyHash, record);
    if (this.listening && !record && this.unknownGeneration === unknownBefore) this.unknown.set(keyHash, true);
    return record;
  }

  /**
   * A new key changes nothing a remembered key was told: only "unknown" answers may now be wrong.
   * A lookup that raced the insert is not remembered as unknown (its generation moved on).
   */
  private forgetUnknown(): void {
    this.unknownGeneration += 1;
    this.unknown.clear();
  }

  private forget(): void {
    this.generation += 1;
    this.unknownGeneration += 1;
    this.records.clear();
    this.unknown.clear();
  }

  private async listen(): Promise<void> {
    // Keepalive and the probe below find a connection a firewall or failover silently dropped.
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'corral-api-key-listener', keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    let gone = false;
    // 'error' and 'end' may both come, and a failed connect may add either: act once per connection.
    const lost = (error: unknown) => {
      if (gone) return;
      gone = true;
      this.lost(client, error);
    };
    client.on('notification', (message) => (message.payload === 'INSERT' ? this.forgetUnknown() : this.forget()));
    client.on('error', lost);
    client.on('end', () => lost(new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost(error);
      return;
    }
    if (gone) return;
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Anything may have changed while nobody listened.
    this.forget();
    this.listening = true;
    this.backoffMs = 500;
    this.probe = setInterval(() => void this.prove(client, lost), PROBE_MS);
    this.probe.unref();
  }

  /** A round trip on the listening connection within a probe interval, or it counts as lost. */
  private async prove(client: pg.Client, lost: (error: unknown) => void): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_MS} ms`)), PROBE_MS);
    });
    try {
      await Promise.race([client.query('SELECT 1'), late]);
    } catch (error) {
      lost(error);
    } finally {
      clearTimeout(timer);
    }
  }

  private lost(client: pg.Client, error: unknown): void {
    clearInterval(this.probe);
    this.listening = false;
    this.forget();
    this.client = undefined;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.logger.warn(`API key change notifications lost (${error instanceof Error ? error.message : String(error)}); every request reads its key until they are back, retrying in ${this.backoffMs} ms`);
    this.retry = setTimeout(() => void this.listen(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
