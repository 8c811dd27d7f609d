import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort } from './services.js';

// A real Dovecot IMAP server (Debian's dovecot-imapd) for the e-mail channel's tests: its own
// configuration, users, mail and log in a temp dir, listening on loopback only, without TLS, one
// account. Runs as root (CI) or as anyone: Dovecot will not open mail as root, so as root the
// mail belongs to the nobody account (65534); otherwise to the user running the tests.

const DOVECOT = '/usr/sbin/dovecot';
const NOBODY = 65_534;

export interface DovecotOptions {
  /** A port chosen beforehand (a corral told of it before the server is up); a free one otherwise. */
  port?: number;
}

export class Dovecot {
  readonly host = '127.0.0.1';
  readonly user = 'it-reports';
  readonly password = 'dovecot-test-password';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private master: ChildProcess | undefined,
  ) {}

  static async start(options: DovecotOptions = {}): Promise<Dovecot> {
    if (!existsSync(DOVECOT)) throw new Error(`${DOVECOT} not found: install Debian's dovecot-imapd (apt-get install dovecot-imapd) to run the e-mail channel's tests`);
    const port = options.port ?? (await freePort());
    const dir = mkdtempSync(join(tmpdir(), 'corral-dovecot-'));
    const server = new Dovecot(port, dir, undefined);
    try {
      server.configure();
      await server.run();
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** Stops the server (SIGTERM, then SIGKILL) and removes its directory, mail included. */
  async stop(): Promise<void> {
    await this.halt();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /**
   * Stops the server and keeps its mail, for `resume`: a server that goes down while corral runs.
   * Its IMAP processes go with it (they would outlive the master and keep their clients' sessions open).
   */
  async halt(): Promise<void> {
    const child = this.master;
    this.master = undefined;
    process.off('exit', this.orphanGuard);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    signal(child, 'SIGTERM');
    const killer = setTimeout(() => signal(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(killer);
  }

  async resume(): Promise<void> {
    if (!this.master) await this.run();
  }

  /** Delivers a message into a mailbox by IMAP APPEND, as the server's own delivery would store it; `arrivedAt` is its INTERNALDATE. */
  async deliver(message: string | Buffer, options: { mailbox?: string | string[]; arrivedAt?: Date } = {}): Promise<void> {
    // IMAP carries CRLF line ends; fixtures on disk have LF.
    const crlf = message.toString().replace(/\r?\n/g, '\r\n');
    await this.session((client) => client.append(options.mailbox ?? 'INBOX', crlf, [], options.arrivedAt));
  }

  /** The raw messages of a mailbox (`['corral', 'processed']`: a folder path in the server's own separator); none when it does not exist. */
  messages(mailbox: string | string[]): Promise<string[]> {
    return this.session(async (client) => {
      const status = await client.status(mailbox, { messages: true }).catch(() => false as const);
      if (!status || !status.messages) return [];
      const lock = await client.getMailboxLock(mailbox);
      try {
        const all = await client.fetchAll('1:*', { source: true });
        return all.map((m) => m.source?.toString() ?? '');
      } finally {
        lock.release();
      }
    });
  }

  /** What Dovecot logged (logins, errors): for a failing test's message. */
  log(): string {
    try {
      return readFileSync(join(this.dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  }

  private readonly orphanGuard = (): void => {
    if (this.master) signal(this.master, 'SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  };

  private async session<T>(work: (client: ImapFlow) => Promise<T>): Promise<T> {
    const client = new ImapFlow({ host: this.host, port: this.port, secure: false, doSTARTTLS: false, auth: { user: this.user, pass: this.password }, logger: false });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.logout().catch(() => client.close());
    }
  }

  private configure(): void {
    const me = userInfo();
    const root = me.uid === 0;
    const uid = root ? NOBODY : me.uid;
    const gid = root ? NOBODY : me.gid;
    const mail = join(this.dir, 'mail');
    for (const sub of ['run', 'state', 'mail']) mkdirSync(join(this.dir, sub));
    // The mail processes run as `uid`: they must reach the temp dir and own the mail under it.
    chmodSync(this.dir, 0o755);
    if (root) chownSync(mail, uid, gid);
    writeFileSync(join(this.dir, 'users'), `${this.user}:{PLAIN}${this.password}\n`, { mode: 0o644 });
    const version = /^(\d+)\.(\d+)/.exec(execFileSync(DOVECOT, ['--version'], { encoding: 'utf8' })) ?? [];
    const modern = Number(version[1]) > 2 || (Number(version[1]) === 2 && Number(version[2]) >= 4);
    const common = [
      'protocols = imap',
      'listen = 127.0.0.1',
      `base_dir = ${join(this.dir, 'run')}`,
      `state_dir = ${join(this.dir, 'state')}`,
      `log_path = ${join(this.dir, 'dovecot.log')}`,
      'ssl = no',
      'auth_mechanisms = plain login',
      `first_valid_uid = ${uid}`,
      `first_valid_gid = ${gid}`,
      // Not root: every process runs as this user.
      ...(root ? [] : [`default_internal_user = ${me.username}`, `default_internal_group = ${execFileSync('id', ['-gn'], { encoding: 'utf8' }).trim()}`, `default_login_user = ${me.username}`]),
      // Not root: the anvil and login processes cannot chroot either.
      ...(root ? [] : ['service anvil {', '  chroot =', '}']),
      'service imap-login {',
      ...(root ? [] : ['  chroot =']),
      `  inet_listener imap {`,
      `    port = ${this.port}`,
      '  }',
      '  inet_listener imaps {',
      '    port = 0',
      '  }',
      '}',
    ];
    // Dovecot 2.4 (Debian 13) renamed the settings this needs; 2.3 (Debian 12, Ubuntu 24.04) has the old names.
    const versioned = modern
      ? [
          'dovecot_config_version = 2.4.0',
          'dovecot_storage_version = 2.4.0',
          'auth_allow_cleartext = yes',
          'mail_driver = maildir',
          `mail_home = ${mail}/%{user}`,
          'mail_path = ~/Maildir',
          'passdb passwd-file {',
          `  passwd_file_path = ${join(this.dir, 'users')}`,
          '}',
          'userdb static {',
          '  fields {',
          `    uid = ${uid}`,
          `    gid = ${gid}`,
          `    home = ${mail}/%{user}`,
          '  }',
          '}',
        ]
      : [
          'disable_plaintext_auth = no',
          `mail_location = maildir:${mail}/%u/Maildir`,
          'passdb {',
          '  driver = passwd-file',
          `  args = scheme=PLAIN ${join(this.dir, 'users')}`,
          '}',
          'userdb {',
          '  driver = static',
          `  args = uid=${uid} gid=${gid} home=${mail}/%u`,
          '}',
        ];
    writeFileSync(join(this.dir, 'dovecot.conf'), [...versioned.slice(0, modern ? 2 : 0), ...common, ...versioned.slice(modern ? 2 : 0)].join('\n') + '\n');
  }

  private async run(): Promise<void> {
    // Its own process group (the master and every process it starts), so stopping it ends them all.
    const child = spawn(DOVECOT, ['-F', '-c', join(this.dir, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    this.master = child;
    // A test run that ends by process.exit (a suite that failed to boot) would leave the server behind.
    process.once('exit', this.orphanGuard);
    const deadline = Date.now() + 15_000;
    while (!(await answers(this.host, this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.halt();
        throw new Error(`Dovecot did not start on ${this.host}:${this.port}: ${output}${this.log()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Signals the process group this test started Dovecot as (its pid is the group's id). */
function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, name);
  } catch {
    // Already gone.
  }
}

function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
