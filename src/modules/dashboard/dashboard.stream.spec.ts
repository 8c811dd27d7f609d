import { TestScheduler } from 'rxjs/testing';
import type { ChangeWatcher } from '../blast-radius/change-watcher.js';
import type { Inbox } from '../inbox/inbox.service.js';
import type { DashboardService } from './dashboard.service.js';
import { DashboardStream, REFRESH_MS, SETTLE_MS } from './dashboard.stream.js';

describe('DashboardStream', () => {
  it('given three changes a quarter second apart, asks for a frame at each at once, once more settled a few seconds after the last, then every 30 s', () => {
    const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
    const asked: Array<[number, string]> = [];

    scheduler.run(({ hot, flush }) => {
      const versions = hot<string>('a 249ms b 249ms c');
      const watcher = { versions: () => versions } as unknown as ChangeWatcher;
      const dashboard = {
        frame: (version: string) => {
          asked.push([scheduler.now(), version]);
          return new Promise<never>(() => undefined);
        },
      } as unknown as DashboardService;
      const stream = new DashboardStream(watcher, dashboard, { enabled: false } as Inbox);

      const subscription = stream.frames(true).subscribe();
      scheduler.schedule(() => subscription.unsubscribe(), REFRESH_MS + 1);
      flush();
    });

    expect(asked).toEqual([
      [0, 'a'],
      [250, 'b'],
      [500, 'c'],
      [500 + SETTLE_MS, 'c settled'],
      [REFRESH_MS, 'c settled'],
    ]);
  });
});
