import type { ChannelParts } from '../channel-parts.js';
import { AnsweredReports } from './answered-reports.js';
import { ChatSystems } from './chat-systems.js';
import { SlackController } from './slack.controller.js';
import { SlackReports } from './slack-reports.js';
import { SlackStatusCommand } from './slack-status.js';
import { SlackWebApi } from './slack-web-api.js';
import { TeamsController } from './teams.controller.js';
import { TeamsReports } from './teams-reports.js';

/** What this channel adds to ChannelsModule: Slack's two Request URLs and the Teams webhook's callback. */
export const CHAT_CHANNEL: ChannelParts = { controllers: [SlackController, TeamsController], providers: [AnsweredReports, ChatSystems, SlackReports, SlackStatusCommand, SlackWebApi, TeamsReports] };
