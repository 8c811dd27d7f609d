import type { ChannelParts } from '../channel-parts.js';

/** What this channel adds to ChannelsModule. */
export const KNOWN_ISSUES_CHANNEL: ChannelParts = { controllers: [], providers: [] };
