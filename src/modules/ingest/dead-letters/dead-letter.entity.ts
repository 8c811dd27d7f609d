import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity('dead_letter')
export class DeadLetterRow {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') reason!: string;
  @Column('text') source!: string;
  @Column('text') subject!: string;
  @Column('text') detail!: string;
  /** Scrubbed before it is written: never the raw payload. */
  @Column('text') body!: string;
  @Column('timestamptz', { name: 'received_at' }) receivedAt!: Date;
  @Column('timestamptz', { name: 'replayed_at', nullable: true }) replayedAt!: Date | null;
  @Column('text', { name: 'replay_outcome', nullable: true }) replayOutcome!: string | null;
}

@Entity('dead_letter_replay')
export class DeadLetterReplayRow {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('bigint', { name: 'dead_letter_id' }) deadLetterId!: string;
  @Column('timestamptz') at!: Date;
  @Column('text') outcome!: 'accepted' | 'rejected' | 'failed';
  @Column('text') detail!: string;
  @Column('text') by!: string;
}
