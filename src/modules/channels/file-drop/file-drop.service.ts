import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake } from '../channel-intake.js';
import { durationText } from './done-retention.js';
import { DropWorker } from './drop-worker.js';

/**
 * The `fileDrops:` section at work: one DropWorker per folder, started once corral is up (a
 * folder it cannot prepare stops the start, saying what to do) and stopped before the intake
 * closes, so the chunk in flight commits or fails whole and its file waits in processing/.
 */
@Injectable()
export class FileDropService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('FileDrop');
  private readonly workers: DropWorker[] = [];

  constructor(
    private readonly config: CorralConfig,
    private readonly intake: ChannelIntake,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const drop of this.config.channels.fileDrops) {
      const worker = new DropWorker(drop, this.intake, this.clock, this.logger);
      await worker.start();
      this.workers.push(worker);
      this.logger.log(`file drop ${drop.name}: watching ${drop.dir} for ${drop.format} files${drop.pollMs !== undefined ? ` (polling every ${drop.pollMs} ms)` : ''}; ${drop.keepDoneMs === 0 ? 'taken files are deleted once their events are in corral' : `taken files are kept in done/ for ${durationText(drop.keepDoneMs)}`}`);
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }
}
