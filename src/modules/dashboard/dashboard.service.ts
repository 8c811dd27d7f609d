import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../actors/clock.js';
import { BlastRadiusService } from '../blast-radius/blast-radius.service.js';
import { Inbox } from '../inbox/inbox.service.js';
import { CLOCK } from '../runtime/tokens.js';
import { dashboardFrame, LIMITS, type DashboardFrame } from './dashboard.view.js';

const DAY_MS = 86_400_000;

/**
 * One frame for every connected dashboard: computed once per read-model version (and at least
 * once a minute, so the 24 h timeline rolls on), however many screens are watching.
 */
@Injectable()
export class DashboardService {
  private last: { key: string; frame: Promise<DashboardFrame> } | undefined;

  constructor(
    private readonly blast: BlastRadiusService,
    private readonly inbox: Inbox,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  frame(version: string): Promise<DashboardFrame> {
    const now = this.clock.now();
    const key = `${version}@${Math.floor(now.getTime() / 60_000)}`;
    if (this.last?.key !== key) {
      const frame = this.compute(now);
      this.last = { key, frame };
      // A failed frame is not kept: the next change or tick tries again.
      frame.catch(() => {
        if (this.last?.frame === frame) this.last = undefined;
      });
    }
    return this.last.frame;
  }

  private async compute(now: Date): Promise<DashboardFrame> {
    const from = new Date(now.getTime() - DAY_MS).toISOString();
    const to = now.toISOString();
    // Read before the figures, so the frame is at least as fresh as it says.
    const asOf = this.inbox.enabled ? this.inbox.freshness() : undefined;
    const [blast, timeline, outcomes] = await Promise.all([this.blast.now(LIMITS.incidents), this.blast.range({ from, to, bucket: '1h' }), this.blast.outcomes({ from, to })]);
    return { ...dashboardFrame(blast, timeline, outcomes), ...(asOf && { asOf }) };
  }
}
