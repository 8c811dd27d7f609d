import { Injectable } from '@nestjs/common';
import { catchError, distinctUntilChanged, EMPTY, exhaustMap, from, shareReplay, tap, timer, type Observable } from 'rxjs';
import { BlastRadiusReads } from './read-models.repository.js';

export const WATCH_INTERVAL_MS = 250;

/**
 * Notices that the incident read models changed: ONE poll of the read-model version every
 * 250 ms, shared by every live dashboard connected to this instance, running only while at least
 * one is connected. It reads the database, not this process's memory, so a change written by any
 * corral instance reaches every instance's dashboards within about half a second. (At 500 ms a new
 * incident took up to 0.8 s from its POST to the screen; the promise is under one.)
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
