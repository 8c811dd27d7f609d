import { Injectable } from '@nestjs/common';
import { BlastRadiusService } from '../blast-radius/blast-radius.service.js';
import { BlastRadiusTrends } from '../blast-radius/trends.service.js';
import { startOfDay } from '../blast-radius/trends.js';
import { LIMITS, type FrameSources } from './dashboard.view.js';

const WEEK_MS = 7 * 86_400_000;
/** Weeks of time to acknowledge and to resolve: two months of huddles. */
export const WEEKS = 8;

type Live = Pick<FrameSources, 'blast' | 'growth' | 'today'> & { day: FrameSources['openOverTime']['day'] };
type History = Pick<FrameSources, 'weekly' | 'week'> & { week7: FrameSources['openOverTime']['week']; month: FrameSources['openOverTime']['month'] };

/**
 * What a frame is drawn from, in two parts: what moves with every change (now, the open incidents'
 * growth, today's absorbed calls, the last 24 h), read for each new read-model version; and what
 * moves slowly (7 and 30 days, the weeks' outcomes), read at most once a minute whatever the
 * traffic, so an outage's burst of changes does not re-read a month of incidents twice a second.
 */
@Injectable()
export class DashboardReads {
  private history: { minute: number; value: Promise<History> } | undefined;

  constructor(
    private readonly blast: BlastRadiusService,
    private readonly trends: BlastRadiusTrends,
  ) {}

  async sources(now: Date): Promise<Omit<FrameSources, 'names'>> {
    const [live, history] = await Promise.all([this.live(now), this.slow(now)]);
    return {
      blast: live.blast,
      growth: live.growth,
      today: live.today,
      openOverTime: { day: live.day, week: history.week7, month: history.month },
      weekly: history.weekly,
      week: history.week,
    };
  }

  private async live(now: Date): Promise<Live> {
    const from = startOfDay(now);
    const [blast, absorbed, { day }] = await Promise.all([this.blast.now(LIMITS.incidents), this.trends.absorbed(from, now), this.trends.openOverTime(['day'], now)]);
    const growth = await this.trends.growth(new Map(blast.incidents.map((i) => [i.id, new Date(i.openedAt)])), now);
    return { blast, growth, today: { from, absorbed }, day };
  }

  private slow(now: Date): Promise<History> {
    const minute = Math.floor(now.getTime() / 60_000);
    if (this.history?.minute !== minute) {
      const value = this.readHistory(now);
      this.history = { minute, value };
      // A failed read is not kept: the next frame tries again.
      value.catch(() => {
        if (this.history?.value === value) this.history = undefined;
      });
    }
    return this.history.value;
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
