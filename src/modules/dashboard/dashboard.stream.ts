import { Injectable, type MessageEvent, type OnModuleDestroy } from '@nestjs/common';
import { combineLatest, from, map, Subject, switchMap, take, takeUntil, timer, type Observable } from 'rxjs';
import { ChangeWatcher } from '../blast-radius/change-watcher.js';
import { DashboardService } from './dashboard.service.js';

/** Even without a change, a frame every 30 s: ages and the timeline move on, and proxies see traffic. */
export const REFRESH_MS = 30_000;

@Injectable()
export class DashboardStream implements OnModuleDestroy {
  private readonly closing = new Subject<void>();

  constructor(
    private readonly watcher: ChangeWatcher,
    private readonly dashboard: DashboardService,
  ) {}

  /** Live: a frame now and on every change; not live (curl, a test reading the body): one frame, then the end. */
  frames(live: boolean): Observable<MessageEvent> {
    const versions = live ? combineLatest([this.watcher.versions(), timer(0, REFRESH_MS)]).pipe(map(([version]) => version)) : this.watcher.versions().pipe(take(1));
    // switchMap: a newer change supersedes a frame still being computed for an older one.
    return versions.pipe(
      switchMap((version) => from(this.dashboard.frame(version))),
      map((frame): MessageEvent => ({ type: 'frame', data: frame, retry: 2000 })),
      takeUntil(this.closing),
    );
  }

  /** On shutdown, end every stream so the HTTP server can close; browsers reconnect (to another instance, or this one restarted). */
  onModuleDestroy(): void {
    this.closing.next();
  }
}
