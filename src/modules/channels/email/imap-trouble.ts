import type { ImapFlowError } from 'imapflow';
import { scrubText } from '../../../correlation/scrub.js';
import type { EmailChannelConfig } from './email-config.js';

const TLS_CODES = /^(CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_|ERR_TLS_|ERR_SSL_)/;

/**
 * What went wrong with the mailbox server, and what to do about it, in a log line's words: the
 * error's own text (scrubbed: a server's answer may quote what it was sent), then the fix.
 */
export function imapTrouble(error: unknown, email: Pick<EmailChannelConfig, 'host' | 'port' | 'tls' | 'mailbox'>): string {
  const e = (error ?? {}) as ImapFlowError;
  const code = e.code ?? '';
  const said = scrubText(e.responseText ?? e.message ?? String(error));
  const server = `${email.host}:${email.port}`;
  if (e.authenticationFailed) return `${server} refused the login (${said}): check email.user and the password or app password it reads (passwordEnv/passwordFile)`;
  if (e.mailboxMissing || e.serverResponseCode === 'NONEXISTENT') return `${server} has no mailbox "${email.mailbox}" (${said}): check email.mailbox`;
  if (e.tlsFailed || TLS_CODES.test(code)) return `TLS with ${server} failed (${said}): a certificate from the hospital's own CA is trusted once NODE_EXTRA_CA_CERTS names that CA's file; tls: starttls needs a server that offers STARTTLS`;
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) return `cannot reach ${server} (${code}): is the server up, and are email.host and email.port (993 for IMAPS, 143 for STARTTLS) right?`;
  if (['CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEDOUT', 'ETIMEOUT'].includes(code)) return `${server} did not answer in time (${code}): a firewall between corral and the server, or the wrong port for tls: ${String(email.tls)}?`;
  return `${server}: ${said}${code ? ` (${code})` : ''}`;
}
