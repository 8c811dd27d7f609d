import type { ChannelParts } from '../channel-parts.js';

/** What this channel adds to ChannelsModule. */
export const FILE_DROP_CHANNEL: ChannelParts = { controllers: [], providers: [] };
