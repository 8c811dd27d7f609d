import { request } from 'node:http';
import { useCorralSuite } from './support/harness.js';

/**
 * Sends the headers of a 1 MB JSON body and then only its first bytes, without credentials, and
 * resolves with the status corral answers within `waitMs` (undefined if none).
 */
function partialPost(baseUrl: string, path: string, headers: Record<string, string>, waitMs: number): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve) => {
    const url = new URL(path, baseUrl);
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(1_000_000), ...headers } });
    const timer = setTimeout(() => {
      req.destroy();
      resolve({ status: undefined, body: '' });
    }, waitMs);
    req.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        resolve({ status: response.statusCode, body });
      });
    });
    req.on('error', () => undefined);
    req.write('[{"id":"a');
  });
}

describe('a body without credentials', () => {
  const suite = useCorralSuite();

  it('is refused with 401 before corral reads it', async () => {
    const refused = await partialPost(suite.corral.baseUrl, '/v1/events', {}, 3_000);
    // Answered while 999,991 bytes are still to come: the body was not waited for.
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'no credentials: send Authorization: Bearer <API key or token>' });
  });

  it('is read as usual when it names credentials (the guard then checks them)', async () => {
    // With a key, corral waits for the rest of the body: no answer within the wait.
    const waiting = await partialPost(suite.corral.baseUrl, '/v1/events', { authorization: `Bearer ${suite.corral.adminKey}` }, 1_000);
    expect(waiting.status).toBeUndefined();
  });
});
