import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import type { ChainSettings } from '../config/corral-config.js';
import { appendCheckpoint, signCheckpoint, type ChainCheckpoint } from './chain-checkpoint.js';
import { ChainCheckpointRepository } from './chain-checkpoint.repository.js';

/**
 * Publishes a signed checkpoint of both chains every CORRAL_CHAIN_CHECKPOINT_MS when they have
 * grown: appended to CORRAL_CHAIN_CHECKPOINT_FILE and written to the log (so a log shipper keeps a
 * copy out of reach of the database too), once more at shutdown. `audit verify` checks the chains
 * against the latest one it can read.
 */
export class ChainCheckpoints implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ChainCheckpoint');
  private timer: NodeJS.Timeout | undefined;
  private last: ChainCheckpoint | undefined;
  private readonly repository: ChainCheckpointRepository;

  constructor(
    private readonly db: DataSource,
    private readonly settings: ChainSettings,
  ) {
    this.repository = new ChainCheckpointRepository(db);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.publish(), this.settings.checkpointMs);
    this.timer.unref();
    // One at start: what the chains held when this instance came up.
    void this.publish();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (this.db.isInitialized) await this.publish();
  }

  /** Takes and publishes a checkpoint unless nothing was added since the last one. Never throws. */
  async publish(): Promise<void> {
    try {
      const heads = await this.repository.readHeads();
      if (this.last && this.last.audit.lastId === heads.audit.lastId && this.last.journal.rows === heads.journal.rows) return;
      const signed = signCheckpoint(this.settings.keys, heads);
      appendCheckpoint(this.settings.checkpointFile, signed);
      this.last = heads;
      this.logger.log(`chain checkpoint ${JSON.stringify(signed)}`);
    } catch (error) {
      this.logger.warn(`chain checkpoint not taken: ${(error as Error).message}`);
    }
  }
}
