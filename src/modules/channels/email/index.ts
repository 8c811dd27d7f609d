import type { ChannelParts } from '../channel-parts.js';
import { MailboxReader } from './mailbox-reader.js';

/** What this channel adds to ChannelsModule: the reader of the shared mailbox (idle without an `email:` section). */
export const EMAIL_CHANNEL: ChannelParts = { controllers: [], providers: [MailboxReader] };
