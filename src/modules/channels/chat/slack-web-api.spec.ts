import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CorralConfig } from '../../config/corral-config.js';
import { SlackWebApi } from './slack-web-api.js';

// chat.postMessage against a stand-in answering as docs.slack.dev documents it: `ok`, an error
// code in a 200, or a 429 with Retry-After. The client never throws and says what to fix.

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

async function slackAnswering(answers: Answer[]): Promise<{ server: Server; url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      bodies.push({ path: request.url, authorization: request.headers.authorization, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      const answer = answers.shift() ?? { status: 200, body: { ok: true } };
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bodies };
}

const apiAt = (url: string) =>
  new SlackWebApi({ channels: { slack: { apiUrl: url, botToken: 'xoxb-test', botTokenFrom: 'the variable SLACK_BOT_TOKEN', signingSecret: 's', channels: new Map(), timeZone: 'UTC' }, fileDrops: [] } } as unknown as CorralConfig);

describe('Slack Web API: a reply in a thread', () => {
  let server: Server | undefined;
  afterEach(async () => {
    jest.restoreAllMocks();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  it('posts in the thread with the bot token', async () => {
    const slack = await slackAnswering([{ status: 200, body: { ok: true, channel: 'C0123ABC', ts: '1795503661.000200' } }]);
    server = slack.server;
    await expect(apiAt(slack.url).postInThread({ channel: 'C0123ABC', threadTs: '1795503660.000100' }, 'You are the 1st person to report this.')).resolves.toBe(true);
    expect(slack.bodies).toEqual([{ path: '/chat.postMessage', authorization: 'Bearer xoxb-test', body: { channel: 'C0123ABC', thread_ts: '1795503660.000100', text: 'You are the 1st person to report this.', unfurl_links: false, unfurl_media: false } }]);
  });

  it('logs what to fix when Slack refuses, and does not try again', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const slack = await slackAnswering([{ status: 200, body: { ok: false, error: 'not_in_channel' } }, { status: 200, body: { ok: false, error: 'invalid_auth' } }]);
    server = slack.server;
    const api = apiAt(slack.url);
    await expect(api.postInThread({ channel: 'C0123ABC', threadTs: '1.1' }, 'x')).resolves.toBe(false);
    await expect(api.postInThread({ channel: 'C0123ABC', threadTs: '1.2' }, 'x')).resolves.toBe(false);
    expect(slack.bodies).toHaveLength(2);
    expect(errors.mock.calls.map(([message]) => String(message))).toEqual([expect.stringMatching(/not_in_channel — .*\/invite/), expect.stringMatching(/invalid_auth — .*the variable SLACK_BOT_TOKEN/)]);
  });

  it('waits as long as a 429 asks, then posts', async () => {
    const slack = await slackAnswering([{ status: 429, headers: { 'retry-after': '1' }, body: { ok: false, error: 'ratelimited' } }]);
    server = slack.server;
    const started = performance.now();
    await expect(apiAt(slack.url).postInThread({ channel: 'C0123ABC', threadTs: '1.1' }, 'x')).resolves.toBe(true);
    expect([slack.bodies.length, performance.now() - started >= 950]).toEqual([2, true]);
  });

  it('gives up after three attempts when Slack cannot be reached, saying so', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const slack = await slackAnswering([]);
    await new Promise<void>((resolve) => slack.server.close(() => resolve()));
    await expect(apiAt(slack.url).postInThread({ channel: 'C0123ABC', threadTs: '1.1' }, 'x')).resolves.toBe(false);
    expect(errors.mock.calls.map(([message]) => String(message))).toEqual([expect.stringMatching(/failed 3 times \(cannot connect/)]);
  }, 15_000);
});
