import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ImapFlow, type ImapFlowError } from 'imapflow';
import type { Clock } from '../../../actors/clock.js';
import { CorralConfig } from '../../config/corral-config.js';
import { CLOCK } from '../../runtime/tokens.js';
import { ChannelIntake } from '../channel-intake.js';
import type { EmailChannelConfig } from './email-config.js';
import { imapTrouble } from './imap-trouble.js';
import { folder, passOverMailbox } from './mailbox-pass.js';

const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 5 * 60_000;
/**
 * After a refused login: directory services lock an account after a few failed logins in a short
 * time (Active Directory's lockout threshold), and a locked shared mailbox stops every reader.
 */
const AFTER_REFUSED_LOGIN_MS = 15 * 60_000;

/**
 * Reads the shared mailbox of the `email:` section: connects on start (a server that is down does
 * not hold corral up: it says what to fix and tries again, backing off to every 5 minutes; after a
 * refused login, every 15), passes
 * over what is there, then waits in IDLE for new mail and reads the mailbox every `poll` anyway,
 * for servers that offer no IDLE or drop it silently. One connection, one pass at a time.
 */
@Injectable()
export class MailboxReader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('EmailChannel');
  private readonly doorbell = new Doorbell();
  private stopping = false;
  private running?: Promise<void>;
  private client?: ImapFlow;
  private passing?: Promise<void>;
  /** Whether the current connection finished a pass over the mailbox: its loss starts the backoff afresh. */
  private passed = false;
  /** Messages the server refused to move (mailbox-pass.ts): kept across connections until corral restarts. */
  private readonly unmovable = new Set<string>();

  constructor(
    private readonly config: CorralConfig,
    private readonly intake: ChannelIntake,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    const email = this.config.channels.email;
    if (!email) return;
    if (email.tls === false) this.logger.warn(`email: tls is false: the password for ${email.host}:${email.port} crosses the connection in the clear (allowed for a server on this machine only)`);
    this.running = this.run(email);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    this.doorbell.ring();
    // The message in hand is kept and moved first; a connection that is only waiting (or still connecting) just closes.
    await this.passing;
    this.client?.close();
    await this.running;
  }

  private async run(email: EmailChannelConfig): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.passed = false;
      try {
        await this.session(email);
      } catch (error) {
        if (this.stopping) break;
        // The backoff starts over only after a whole pass: a failure that always follows the login
        // (a folder that cannot be created, a pass that throws) must not reconnect every second.
        failures = this.passed ? 1 : failures + 1;
        const refused = (error as ImapFlowError | undefined)?.authenticationFailed === true;
        const delay = refused ? AFTER_REFUSED_LOGIN_MS : Math.min(BACKOFF_FIRST_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
        this.logger.warn(`email: cannot read the mailbox: ${imapTrouble(error, email)}; trying again in ${Math.round(delay / 1000)} s`);
        await this.doorbell.wait(delay);
      }
    }
  }

  /** One connection: returns when corral stops, throws when the connection fails or is lost. */
  private async session(email: EmailChannelConfig): Promise<void> {
    const client = new ImapFlow({
      host: email.host,
      port: email.port,
      secure: email.tls === true,
      ...(email.tls === true ? {} : { doSTARTTLS: email.tls === 'starttls' }),
      auth: { user: email.user, pass: email.password },
      // imapflow's own log would carry mailbox and server details at debug level: corral says what matters itself.
      logger: false,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      // IDLE begins soon after a pass and is renewed every `poll` (servers end IDLE after 30 minutes at most).
      autoIdleDelay: 1_000,
      maxIdleTime: email.pollMs,
      missingIdleCommand: 'STATUS',
    });
    let lost: Error | undefined;
    client.on('error', (error: Error) => (lost = error));
    client.on('exists', ({ count, prevCount }) => {
      if (count > prevCount) this.doorbell.ring();
    });
    const closed = new Promise<void>((resolve) => client.once('close', resolve));
    this.client = client;
    let poll: NodeJS.Timeout | undefined;
    try {
      await client.connect();
      for (const path of [email.processedMailbox, email.failedMailbox]) await client.mailboxCreate(folder(path));
      await client.mailboxOpen(email.mailbox);
      const idle = client.capabilities.has('IDLE') ? 'new mail as it arrives (IDLE)' : 'no IDLE offered';
      this.logger.log(`email: reading ${email.mailbox} at ${email.host}:${email.port}: ${idle}, and a pass every ${Math.round(email.pollMs / 1000)} s`);
      poll = setInterval(() => this.doorbell.ring(), email.pollMs);
      while (!this.stopping) {
        this.passing = passOverMailbox({ client, email, intake: this.intake, logger: this.logger, now: () => this.clock.now(), stopping: () => this.stopping, unmovable: this.unmovable });
        await this.passing.finally(() => (this.passing = undefined));
        this.passed = true;
        await this.doorbell.wait(undefined, closed);
        if (!client.usable && !this.stopping) throw lost ?? new Error('the server closed the connection');
      }
    } finally {
      clearInterval(poll);
      this.client = undefined;
      client.close();
    }
  }
}

/** Wakes the reader: new mail, the poll, or corral stopping. A ring while it is busy is kept for its next wait. */
class Doorbell {
  private rung = false;
  private wake?: () => void;

  ring(): void {
    this.rung = true;
    this.wake?.();
  }

  /** Resolves at the next ring (at once if one came since the last wait), after `ms`, or once `until` settles. */
  async wait(ms?: number, until?: Promise<void>): Promise<void> {
    if (!this.rung) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (ms !== undefined) timer = setTimeout(resolve, ms);
        void until?.then(resolve);
      });
      clearTimeout(timer);
    }
    this.rung = false;
    this.wake = undefined;
  }
}
