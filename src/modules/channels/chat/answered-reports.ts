import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';

/** A day of reports: a thread going on longer than that gets its count again, which does no harm. */
const REMEMBER_MS = 24 * 3_600_000;

/**
 * The reports already told their place. A person adding detail in their thread sends the same
 * report id with new words: the inbox keeps it (folded into their report) and the intake says which
 * incident it joined again, but the count it carries is no longer theirs, so they are not told
 * twice. Kept in memory: after a restart, or on another instance, a follow-up may be answered once
 * more; nothing else depends on it.
 */
@Injectable()
export class AnsweredReports {
  private readonly answered = new LRUCache<string, true>({ max: 50_000, ttl: REMEMBER_MS });

  /** True the first time a report id is answered, false after. */
  first(reportId: string): boolean {
    if (this.answered.has(reportId)) return false;
    this.answered.set(reportId, true);
    return true;
  }
}
