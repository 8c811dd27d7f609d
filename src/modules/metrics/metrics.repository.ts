import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Incidents somebody still works on, per priority and status, and how long the oldest has been open. */
export interface ActiveIncidents {
  priority: string;
  status: string;
  count: number;
  oldestAgeSeconds: number;
}

/** What the scrape-time gauges read from the database. Every query here runs on each scrape: keep them cheap. */
@Injectable()
export class MetricsRepository {
  constructor(private readonly db: DataSource) {}

  async deadLetters(): Promise<number> {
    const [row] = await this.db.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM dead_letter');
    return row?.n ?? 0;
  }

  /**
   * Reads only active incidents, through the partial index incident_active (opened_at, where
   * status is open, acknowledged or flapping), so its cost follows the incidents being worked on,
   * not the years of resolved ones. `now` is corral's clock, the one opened_at was written by.
   */
  async activeIncidents(now: Date): Promise<ActiveIncidents[]> {
    const rows = await this.db.query<Array<{ priority: string; status: string; n: number; age: number }>>(
      `SELECT priority, status, count(*)::int AS n, GREATEST(0, extract(epoch FROM $1::timestamptz - min(opened_at)))::float8 AS age
         FROM incident WHERE status IN ('open', 'acknowledged', 'flapping')
        GROUP BY priority, status`,
      [now],
    );
    return rows.map((r) => ({ priority: r.priority, status: r.status, count: r.n, oldestAgeSeconds: r.age }));
  }
}
