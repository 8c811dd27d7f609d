import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type NodeConnectionOptions } from '@nats-io/transport-node';
import type { NatsAuthConfig } from '../config/corral-config.js';

/**
 * How corral authenticates to NATS, as `@nats-io/transport-node` connect options: a decentralised
 * creds file (JWT + NKEY seed), a bare NKEY seed, user/password or a token, and TLS (server CA,
 * client certificate). Files are read at connect time, so a rotated creds file is picked up on the
 * next reconnect without a restart.
 */
export function natsConnectOptions(auth: NatsAuthConfig): Partial<NodeConnectionOptions> {
  const read = (file: string) => () => new Uint8Array(readFileSync(file));
  return {
    ...(auth.credsFile ? { authenticator: credsAuthenticator(read(auth.credsFile)) } : {}),
    ...(auth.nkeySeedFile ? { authenticator: nkeyAuthenticator(() => new TextEncoder().encode(readFileSync(auth.nkeySeedFile as string, 'utf8').trim())) } : {}),
    ...(auth.user ? { user: auth.user, pass: auth.password } : {}),
    ...(auth.token ? { token: auth.token } : {}),
    ...(auth.tls ? { tls: { ...auth.tls } } : {}),
  };
}
