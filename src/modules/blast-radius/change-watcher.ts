import { Injectable } from '@nestjs/common';
import { catchError, distinctUntilChanged, EMPTY, exhaustMap, from, shareReplay, tap, timer, type Observable } from 'rxjs';
import { BlastRadiusReads } from './read-models.repository.js';

export const WATCH_INTERVAL_MS = 500;

/**
 * Notices that the incident read models changed: ONE poll of the read-model version every
 * 500 ms, shared by every live dashboard connected to this instance, running only while at least
 * one is connected. It reads the database, not this process's memory, so a change written by any
 * corral instance reaches every instance's dashboards within about half a second.
 */
@Injectable()
export class ChangeWatcher {
  /** Polls made since start: lets a test show that ten dashboards do not mean ten polls. */
  polls = 0;
  private readonly versions$: Observable<string>;

  constructor(reads: BlastRadiusReads) {
    this.versions$ = timer(0, WATCH_INTERVAL_MS).pipe(
      // A slow database skips ticks rather than stacking queries up.
      exhaustMap(() =>
        from(reads.version()).pipe(
          tap(() => (this.polls += 1)),
          catchError(() => EMPTY),
        ),
      ),
      distinctUntilChanged(),
      shareReplay({ bufferSize: 1, refCount: true }),
    );
  }

  /** The current read-model version at once, then each new one. */
  versions(): Observable<string> {
    return this.versions$;
  }
}
