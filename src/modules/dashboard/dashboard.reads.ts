import { Injectable } from '@nestjs/common';
import { BlastRadiusService } from '../blast-radius/blast-radius.service.js';
import { BlastRadiusTrends } from '../blast-radius/trends.service.js';
import { CorralConfig } from '../config/corral-config.js';
import { growthByIncident, startOfDay, type Absorbed } from '../blast-radius/trends.js';
import { LIMITS, type FrameSources } from './dashboard.view.js';
import { GrowthRows } from './growth-rows.js';
import { PerPeriod } from './per-period.js';

const WEEK_MS = 7 * 86_400_000;
/** Weeks of time to acknowledge and to resolve: two months of huddles. */
export const WEEKS = 8;
/**
 * How often, at most, the incidents' growth and today's absorbed calls are read. In an outage the
 * read models change with nearly every poll (4 a second); these two are the costly reads of a frame
 * (every child of the listed incidents; every call since midnight) and neither needs to move that
 * fast. DashboardStream asks for one more frame this long after the last change, so they catch up.
 */
export const FEW_SECONDS_MS = 5000;

type Live = Pick<FrameSources, 'blast' | 'growth' | 'today'> & { day: FrameSources['openOverTime']['day'] };
type History = Pick<FrameSources, 'weekly' | 'week'> & { week7: FrameSources['openOverTime']['week']; month: FrameSources['openOverTime']['month'] };

/**
 * What a frame is drawn from, at three paces: what the incident list and the tiles show (now, the
 * last 24 h), read for each new read-model version; each incident's growth and today's absorbed
 * calls, at most once every few seconds (an incident opened since is read at once); what moves
 * slowly (7 and 30 days, the weeks' outcomes), at most once a minute. So an outage's burst of
 * changes re-reads neither every child of the open incidents nor a month of incidents four times a
 * second.
 */
@Injectable()
export class DashboardReads {
  private readonly history = new PerPeriod<History>(60_000);
  private readonly absorbed = new PerPeriod<{ from: Date; absorbed: Absorbed[] }>(FEW_SECONDS_MS);
  private readonly growthRows: GrowthRows;

  constructor(
    private readonly blast: BlastRadiusService,
    private readonly trends: BlastRadiusTrends,
    private readonly config: CorralConfig,
  ) {
    this.growthRows = new GrowthRows(FEW_SECONDS_MS, (ids) => this.trends.childMinutes(ids));
  }

  async sources(now: Date): Promise<Omit<FrameSources, 'names'>> {
    const [live, history] = await Promise.all([this.live(now), this.history.get(now, () => this.readHistory(now))]);
    return {
      blast: live.blast,
      growth: live.growth,
      today: live.today,
      openOverTime: { day: live.day, week: history.week7, month: history.month },
      weekly: history.weekly,
      week: history.week,
      smallCount: this.config.auth.smallCountThreshold,
    };
  }

  private async live(now: Date): Promise<Live> {
    const [blast, today, { day }] = await Promise.all([this.blast.now(LIMITS.incidents), this.absorbed.get(now, () => this.readToday(now)), this.trends.openOverTime(['day'], now)]);
    const opened = new Map(blast.incidents.map((i) => [i.id, new Date(i.openedAt)]));
    const growth = growthByIncident(await this.growthRows.rows([...opened.keys()], now), opened, now);
    return { blast, growth, today, day };
  }

  private async readToday(now: Date): Promise<{ from: Date; absorbed: Absorbed[] }> {
    const from = startOfDay(now);
    return { from, absorbed: await this.trends.absorbed(from, now) };
  }

  private async readHistory(now: Date): Promise<History> {
    const [{ week, month }, weekly, outcomes] = await Promise.all([
      this.trends.openOverTime(['week', 'month'], now),
      this.trends.weeklyResponse(WEEKS, now),
      this.blast.outcomes({ from: new Date(now.getTime() - WEEK_MS).toISOString(), to: now.toISOString() }),
    ]);
    return { week7: week, month, weekly, week: outcomes };
  }
}
