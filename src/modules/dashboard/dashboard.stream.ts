import { Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { combineLatest, concat, distinctUntilChanged, EMPTY, from, map, merge, of, Subject, switchMap, take, takeUntil, timer, type Observable } from 'rxjs';
import { ChangeWatcher } from '../blast-radius/change-watcher.js';
import { Inbox } from '../inbox/inbox.service.js';
import { FEW_SECONDS_MS } from './dashboard.reads.js';
import { DashboardService } from './dashboard.service.js';
import type { FreshnessFrame } from './dashboard.view.js';

/** Even without a change, a frame every 30 s: ages and the timeline move on, and proxies see traffic. */
export const REFRESH_MS = 30_000;
/** How often a live dashboard is told what waits to be correlated, when that changed: an in-memory read, no query. */
export const FRESHNESS_MS = 1000;
/** After the last change, one more frame once the reads kept for a few seconds (growth, calls absorbed) may be read again. */
export const SETTLE_MS = FEW_SECONDS_MS;

@Injectable()
export class DashboardStream implements OnModuleDestroy {
  private readonly closing = new Subject<void>();

  constructor(
    private readonly watcher: ChangeWatcher,
    private readonly dashboard: DashboardService,
    private readonly inbox: Inbox,
  ) {}

  /**
   * Live: a frame now and on every change, and a `freshness` event whenever the inbox moved (a
   * backlog grows without any read model changing); not live (curl, a test reading the body): one
   * frame, then the end.
   */
  frames(live: boolean): Observable<MessageEvent> {
    const versions = live ? combineLatest([this.settled(), timer(0, REFRESH_MS)]).pipe(map(([version]) => version)) : this.watcher.versions().pipe(take(1));
    // switchMap: a newer change supersedes a frame still being computed for an older one.
    const frames = versions.pipe(
      switchMap((version) => from(this.dashboard.frame(version))),
      map((frame): MessageEvent => ({ type: 'frame', data: frame, retry: 2000 })),
    );
    return (live ? merge(frames, this.freshness()) : frames).pipe(takeUntil(this.closing));
  }

  /**
   * Each read-model version at once, then, if no other came within SETTLE_MS, the same version
   * marked settled: a frame key of its own, so the frame is built once more, now with the growth and
   * the absorbed calls that a burst of changes found still kept from a few seconds before.
   */
  private settled(): Observable<string> {
    return this.watcher.versions().pipe(switchMap((version) => concat(of(version), timer(SETTLE_MS).pipe(map(() => `${version} settled`)))));
  }

  private freshness(): Observable<MessageEvent> {
    if (!this.inbox.enabled) return EMPTY;
    return timer(0, FRESHNESS_MS).pipe(
      map(() => this.inbox.freshness()),
      distinctUntilChanged((a, b) => a.position === b.position && a.pending === b.pending),
      map((asOf): MessageEvent => ({ type: 'freshness', data: { asOf } satisfies FreshnessFrame })),
    );
  }

  /** On shutdown, end every stream so the HTTP server can close; browsers reconnect (to another instance, or this one restarted). */
  onModuleDestroy(): void {
    this.closing.next();
  }
}
