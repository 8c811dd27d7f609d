import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../../actors/clock.js';
import { Inbox } from '../inbox/inbox.service.js';
import { CLOCK } from '../runtime/tokens.js';
import { DashboardReads } from './dashboard.reads.js';
import { dashboardFrame, type DashboardFrame } from './dashboard.view.js';
import { SiteNames } from './site-names.js';

/**
 * One frame for every connected dashboard: computed once per read-model version (and at least
 * once a minute, so the charts roll on), however many screens are watching. The version is
 * DashboardStream's: a read-model version, or one marked settled a few seconds after the last change.
 */
@Injectable()
export class DashboardService {
  private last: { key: string; frame: Promise<DashboardFrame> } | undefined;

  constructor(
    private readonly reads: DashboardReads,
    private readonly names: SiteNames,
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
    // Read before the figures, so the frame is at least as fresh as it says.
    const asOf = this.inbox.enabled ? this.inbox.freshness() : undefined;
    const sources = await this.reads.sources(now);
    return { ...dashboardFrame({ ...sources, names: this.names.current() }), ...(asOf && { asOf }) };
  }
}
