import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './services.js';

// A real Request Tracker 5 for one suite: Debian's request-tracker5 with rt5-standalone and
// rt5-db-sqlite (.ci/run installs them), on its own copy of the SQLite database the package
// initialised and a loopback port of its own, started and stopped here by its process group.

const RT_SERVER = '/usr/share/request-tracker5/libexec/rt-server';
const RT_LIB = '/usr/share/request-tracker5/lib';
const PACKAGED_DB = '/var/lib/dbconfig-common/sqlite3/request-tracker5/rtdb';
const run = promisify(execFile);

export function rtInstalled(): boolean {
  return existsSync(RT_SERVER) && existsSync(PACKAGED_DB);
}

export class TestRt {
  private child: ChildProcess | undefined;
  /** An auth token for root, as an RT admin makes one for corral (Settings → Auth Tokens). */
  token = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  private get env(): NodeJS.ProcessEnv {
    return { ...process.env, RT_SITE_CONFIG: join(this.dir, 'RT_SiteConfig.pm'), RT_SITE_CONFIG_DIR: join(this.dir, 'site-config.d') };
  }

  static async start(queues: string[] = []): Promise<TestRt> {
    if (!rtInstalled()) throw new Error(`Request Tracker 5 is not installed (${RT_SERVER}): apt-get install request-tracker5 rt5-standalone rt5-db-sqlite, as .ci/run does`);
    const rt = new TestRt(await freePort(), mkdtempSync(join(tmpdir(), 'corral-rt-')));
    mkdirSync(join(rt.dir, 'site-config.d'));
    copyFileSync(PACKAGED_DB, join(rt.dir, 'rtdb'));
    writeFileSync(
      join(rt.dir, 'RT_SiteConfig.pm'),
      [
        `Set($DatabaseType, 'SQLite');`,
        `Set($DatabaseName, '${join(rt.dir, 'rtdb')}');`,
        `Set($WebPath, '');`,
        `Set($WebDomain, '127.0.0.1');`,
        `Set($WebPort, ${rt.port});`,
        `Set($WebBaseURL, 'http://127.0.0.1:${rt.port}');`,
        `Set($LogToSTDERR, 'error');`,
        `Set($LogToSyslog, undef);`,
        '1;',
      ].join('\n'),
    );
    await rt.restart();
    const { stdout } = await run(
      'perl',
      [`-I${RT_LIB}`, '-e', 'use RT; RT::LoadConfig(); RT::Init(); my $u = RT::User->new(RT->SystemUser); $u->Load("root"); my ($ok, $msg, $token) = RT::AuthToken->new(RT->SystemUser)->Create(Owner => $u->Id, Description => "corral"); die $msg unless $ok; print $token;'],
      { env: rt.env },
    );
    rt.token = stdout.trim();
    for (const name of queues) await rt.request('POST', '/queue', { Name: name });
    return rt;
  }

  /**
   * The Scrip a hospital adds so RT's own status changes reach corral (README: "Request Tracker 5"):
   * on every status change, POST { ticket, status, actor } to corral's callback with an agent key.
   */
  async addCallbackScrip(callbackUrl: string, key: string): Promise<void> {
    const commit = [
      'use LWP::UserAgent; use JSON;',
      'my $ticket = $self->TicketObj;',
      "my $response = LWP::UserAgent->new(timeout => 10)->post('URL', 'Content-Type' => 'application/json', 'Authorization' => 'Bearer KEY',",
      '  Content => JSON::encode_json({ ticket => "" . $ticket->Id, status => $ticket->Status, actor => $self->TransactionObj->CreatorObj->Name }));',
      'RT->Logger->error("corral callback: " . $response->status_line) unless $response->is_success;',
      'return 1;',
    ]
      .join('\n')
      .replace('URL', callbackUrl)
      .replace('KEY', key);
    await run(
      'perl',
      [`-I${RT_LIB}`, '-e', 'use RT; RT::LoadConfig(); RT::Init(); my $s = RT::Scrip->new(RT->SystemUser); my ($ok, $msg) = $s->Create(Description => "corral: status changes", ScripCondition => "On Status Change", ScripAction => "User Defined", Template => "Blank", CustomPrepareCode => "return 1;", CustomCommitCode => $ARGV[0], Queue => 0); die $msg unless $ok; print "ok";', commit],
      { env: this.env },
    );
  }

  /** Starts RT (again, after stop) on the same port and database. */
  async restart(): Promise<void> {
    const child = spawn(RT_SERVER, ['--port', String(this.port)], { env: this.env, stdio: 'ignore', detached: true });
    this.child = child;
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        const response = await fetch(`${this.url}/REST/2.0/queues/all`, { headers: { authorization: `Basic ${Buffer.from('root:password').toString('base64')}` } });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`rt-server did not come up on ${this.url}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** Stops the server and its workers (its own process group): RT is down until restart(). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** REST2 as the RT admin, for what a test checks. */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${this.url}/REST/2.0${path}`, {
      method,
      headers: { authorization: this.token ? `token ${this.token}` : `Basic ${Buffer.from('root:password').toString('base64')}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`RT ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  /** Every ticket RT has, with the fields a test reads. */
  async tickets(): Promise<Array<{ id: string; Subject: string; Status: string; Queue: string }>> {
    const found = await this.request<{ items: Array<{ id: string }> }>('GET', `/tickets?query=${encodeURIComponent("id > 0")}&per_page=100`);
    const tickets = [];
    for (const { id } of found.items) {
      const t = await this.request<{ id: number | string; Subject: string; Status: string; Queue: { id: string } }>('GET', `/ticket/${id}`);
      const queue = await this.request<{ Name: string }>('GET', `/queue/${t.Queue.id}`);
      tickets.push({ id: String(t.id), Subject: t.Subject, Status: t.Status, Queue: queue.Name });
    }
    return tickets;
  }

  /** The text of a ticket's newest comment. */
  async lastComment(id: string): Promise<string> {
    const page = await this.request<{ items: Array<{ id: string }> }>('GET', `/ticket/${id}/history?per_page=100`);
    for (const { id: txn } of [...page.items].reverse()) {
      const t = await this.request<{ Type: string }>('GET', `/transaction/${txn}`);
      if (t.Type !== 'Comment') continue;
      const attachments = await this.request<{ items: Array<{ id: string }> }>('GET', `/transaction/${txn}/attachments`);
      for (const { id: attachment } of attachments.items) {
        const a = await this.request<{ Content?: string; ContentType?: string }>('GET', `/attachment/${attachment}`);
        if (a.Content && a.ContentType === 'text/plain') return Buffer.from(a.Content, 'base64').toString('utf8');
      }
    }
    return '';
  }

  /** A ticket's transactions of a type (Comment, Correspond, Status …), oldest first. */
  async history(id: string, type: string): Promise<Array<{ Type: string; Field?: string; NewValue?: string }>> {
    // The fields in the listing itself: RT 5.0's REST2 answers 500 for a single link transaction
    // (AddLink, when a member is linked), which the listing's fields do not touch.
    const page = await this.request<{ items: Array<{ id: string; Type: string; Field?: string; NewValue?: string }> }>('GET', `/ticket/${id}/history?per_page=100&fields=Type,Field,NewValue`);
    return page.items.filter((t) => t.Type === type);
  }
}
