import type { ChannelParts } from '../channel-parts.js';

/** What this channel adds to ChannelsModule. */
export const EMAIL_CHANNEL: ChannelParts = { controllers: [], providers: [] };
