import { Module } from '@nestjs/common';
import { IncidentsModule } from '../incidents/incidents.module.js';
import { IngestModule } from '../ingest/ingest.module.js';
import { ChannelIntake } from './channel-intake.js';
import type { ChannelParts } from './channel-parts.js';
import { CHAT_CHANNEL } from './chat/index.js';
import { EMAIL_CHANNEL } from './email/index.js';
import { FHIR_CHANNEL } from './fhir/index.js';
import { FILE_DROP_CHANNEL } from './file-drop/index.js';
import { KNOWN_ISSUES_CHANNEL } from './known-issues/index.js';

const CHANNELS: ChannelParts[] = [EMAIL_CHANNEL, CHAT_CHANNEL, FHIR_CHANNEL, FILE_DROP_CHANNEL, KNOWN_ISSUES_CHANNEL];

/** Where clinicians and systems already report: each channel turns itself on from its section of the channels file. */
@Module({
  imports: [IngestModule, IncidentsModule, ...new Set(CHANNELS.flatMap((c) => c.imports ?? []))],
  controllers: CHANNELS.flatMap((c) => c.controllers),
  providers: [ChannelIntake, ...CHANNELS.flatMap((c) => c.providers)],
})
export class ChannelsModule {}
