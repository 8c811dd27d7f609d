import type { ChannelParts } from '../channel-parts.js';
import { FileDropService } from './file-drop.service.js';

/** What this channel adds to ChannelsModule: a service that watches the `fileDrops:` folders (no routes). */
export const FILE_DROP_CHANNEL: ChannelParts = { controllers: [], providers: [FileDropService] };
