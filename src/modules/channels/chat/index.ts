import type { ChannelParts } from '../channel-parts.js';

/** What this channel adds to ChannelsModule. */
export const CHAT_CHANNEL: ChannelParts = { controllers: [], providers: [] };
